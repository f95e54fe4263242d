// Bootstrap and History-API router. The backend returns index.html for every
// app route, so each path below is a real, shareable URL.
// Stable data-testid values (and the #member-qr / #scanner-video ids) are
// listed in pwa/TESTIDS.md.

import { clear, h } from './dom.js';
import { getLang, onLangChange, setLang, t, useStrings } from './i18n.js';
import { getConfig, loadConfig } from './config.js';
import { api, ApiError } from './api.js';
import { loadInto, loading, pageTitle } from './ui.js';
import { listenToWorker } from './push.js';
import * as home from './views/home.js';
import * as join from './views/join.js';
import * as profile from './views/profile.js';
import * as minSide from './views/min-side.js';
import * as qr from './views/qr.js';
import * as poster from './views/poster.js';
import * as offline from './views/offline.js';
import * as offer from './views/offer.js';
import { referralLink } from './views/referral.js';

// Staff and owner screens load on first use with their strings (and the owner's tabs): a member's
// phone never downloads them, and sw.js keeps them once a till or the owner has used them.
const lazy = (load, strings) => ({ load, strings, module: null });
const STAFF = ['staff'];
const OWNER = ['staff', 'owner']; // the back office reuses the till's result panel and team texts
const staffLogin = lazy(() => import('./views/staff-login.js'), STAFF);
const staff = lazy(() => import('./views/staff.js'), STAFF);
const staffInvite = lazy(() => import('./views/staff-invite.js'), STAFF);
const adminOverview = lazy(() => import('./views/admin/overview.js'), OWNER);
const adminDashboard = lazy(() => import('./views/admin/dashboard.js'), OWNER);
const adminAudit = lazy(() => import('./views/admin/audit.js'), OWNER);
const adminCampaigns = lazy(() => import('./views/admin/campaigns.js'), OWNER);
const adminCampaignNew = lazy(() => import('./views/admin/campaign-new.js'), OWNER);
const adminCampaign = lazy(() => import('./views/admin/campaign.js'), OWNER);
const adminIntegrations = lazy(() => import('./views/admin/integrations.js'), OWNER);
const adminStores = lazy(() => import('./views/admin/stores.js'), OWNER);
const adminClub = lazy(() => import('./views/admin/club.js'), OWNER);
const adminProgram = lazy(() => import('./views/admin/program.js'), OWNER);
const adminPrepaid = lazy(() => import('./views/admin/prepaid.js'), OWNER);
const adminPoints = lazy(() => import('./views/admin/points.js'), OWNER);
const adminTiers = lazy(() => import('./views/admin/tiers.js'), OWNER);
const adminStore = lazy(() => import('./views/admin/store.js'), OWNER);
const adminStaffMember = lazy(() => import('./views/admin/staff-member.js'), OWNER);
let adminTabs = null; // views/admin/tabs.js, with the first owner screen

/** A lazy screen's module, strings and chrome; an import that fails (offline, never cached) is a network error. */
async function prepare(route) {
  const { view } = route;
  const [module] = await Promise.all([
    view.module || view.load(),
    useStrings(...view.strings),
    route.chrome === 'admin' && !adminTabs ? import('./views/admin/tabs.js').then((m) => { adminTabs = m.ADMIN_TABS; }) : null,
  ]).catch((err) => { throw new ApiError({ code: 'network', detail: String(err && err.message) }); });
  view.module = module;
  // A till: ask the worker to keep every staff file, so the till opens offline from now on.
  if (view.strings === STAFF && 'serviceWorker' in navigator) {
    navigator.serviceWorker.ready.then((reg) => reg.active && reg.active.postMessage({ type: 'cache-staff' }));
  }
  return module;
}

// chrome: 'member' shows the member tabs, 'admin' the owner's tabs and log-out,
// 'plain' only brand + language, 'bare' nothing (full-screen QR, printable poster).
const ROUTES = [
  { re: /^\/$/, view: home, chrome: 'member' },
  { re: /^\/card$/, view: home, chrome: 'member' },
  { re: /^\/join$/, view: join, chrome: 'plain', params: () => ({ mode: 'join' }) },
  { re: /^\/login$/, view: join, chrome: 'plain', params: () => ({ mode: 'login' }) },
  { re: /^\/profile$/, view: profile, chrome: 'member' },
  { re: /^\/me$/, view: minSide, chrome: 'member' },
  { re: /^\/qr$/, view: qr, chrome: 'bare' },
  { re: /^\/staff$/, view: staff, chrome: 'staff' },
  { re: /^\/staff\/login$/, view: staffLogin, chrome: 'plain' },
  { re: /^\/offer\/(\d+)$/, view: offer, chrome: 'member', params: (m) => ({ id: m[1] }) },
  { re: /^\/admin$/, view: adminOverview, chrome: 'admin' },
  { re: /^\/admin\/dashboard$/, view: adminDashboard, chrome: 'admin' },
  { re: /^\/admin\/audit$/, view: adminAudit, chrome: 'admin' },
  { re: /^\/admin\/campaigns$/, view: adminCampaigns, chrome: 'admin' },
  { re: /^\/admin\/campaigns\/new$/, view: adminCampaignNew, chrome: 'admin' },
  { re: /^\/admin\/campaigns\/(\d+)$/, view: adminCampaign, chrome: 'admin', params: (m) => ({ id: m[1] }) },
  { re: /^\/admin\/integrations$/, view: adminIntegrations, chrome: 'admin' },
  { re: /^\/admin\/stores$/, view: adminStores, chrome: 'admin' },
  { re: /^\/admin\/club$/, view: adminClub, chrome: 'admin' },
  { re: /^\/admin\/program$/, view: adminProgram, chrome: 'admin' },
  { re: /^\/admin\/program\/prepaid$/, view: adminPrepaid, chrome: 'admin' },
  { re: /^\/admin\/program\/points$/, view: adminPoints, chrome: 'admin' },
  { re: /^\/admin\/program\/tiers$/, view: adminTiers, chrome: 'admin' },
  { re: /^\/admin\/stores\/new$/, view: adminStore, chrome: 'admin' },
  { re: /^\/admin\/stores\/(\d+)$/, view: adminStore, chrome: 'admin', params: (m) => ({ id: m[1] }) },
  { re: /^\/admin\/staff\/invite$/, view: adminStaffMember, chrome: 'admin' },
  { re: /^\/admin\/staff\/(\d+)$/, view: adminStaffMember, chrome: 'admin', params: (m) => ({ id: m[1] }) },
  { re: /^\/staff\/invite\/([A-Za-z0-9_-]{20,100})$/, view: staffInvite, chrome: 'plain', params: (m) => ({ token: m[1] }) },
  { re: /^\/poster\/([A-Za-z0-9_-]+)$/, view: poster, chrome: 'bare', params: (m) => ({ slug: m[1] }) },
  { re: /^\/offline$/, view: offline, chrome: 'plain' },
  { re: /^\/r\/([A-Za-z0-9-]{1,40})$/, view: referralLink, chrome: 'plain', params: (m) => ({ code: m[1] }) },
];

const notFound = {
  render(ctx) {
    ctx.setTitle(t('notFound.title'));
    ctx.main.append(pageTitle(t('notFound.title')),
      h('p', {}, h('a', { class: 'button', href: '/', text: t('notFound.home') })));
  },
};

const ICON = new URL('./icons/icon-64.png', import.meta.url).href; // this build's versioned, precached URL
const header = document.getElementById('app-header');
const main = document.getElementById('main');
let active = null; // {cleanups, controller}
let flash = null;
let firstRender = true;

function match(pathname) {
  for (const route of ROUTES) {
    const m = pathname.match(route.re);
    if (m) return { route, params: route.params ? route.params(m) : {} };
  }
  return { route: { view: notFound, chrome: 'plain' }, params: {} };
}

export function isAppPath(pathname) {
  return ROUTES.some((r) => r.re.test(pathname));
}

export function navigate(path, { replace = false, flash: message = null } = {}) {
  flash = message;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function teardown(reason) {
  if (!active) return;
  active.controller.abort();
  for (const fn of active.cleanups.reverse()) {
    try { fn(reason); } catch (err) { console.error(err); }
  }
  active = null;
}

function renderHeader(chrome) {
  clear(header);
  document.body.dataset.chrome = chrome;
  if (chrome === 'bare') { header.hidden = true; return; }
  header.hidden = false;
  const brandHref = { staff: '/staff', admin: '/admin' }[chrome] || '/';
  const langButton = h('button', {
    type: 'button', class: 'lang-switch', testid: 'lang-switch', lang: getLang() === 'nb' ? 'en' : 'nb',
    'aria-label': t('lang.switchLabel'), text: t('lang.other'),
    onclick: () => setLang(getLang() === 'nb' ? 'en' : 'nb'),
  });
  const bar = h('div', { class: 'header-bar' },
    h('a', { class: 'brand', href: brandHref },
      h('img', { src: ICON, alt: '', width: '32', height: '32' }),
      h('span', { text: getConfig().business.name || t('app.name') })),
    chrome === 'admin' ? h('div', { class: 'header-actions' }, langButton, adminLogout()) : langButton);
  header.append(bar);
  if (chrome === 'member') {
    const path = location.pathname;
    const tab = (href, key, testid) => h('a', {
      href, class: 'tab', testid, text: t(key),
      'aria-current': path === href || (href === '/' && path === '/card') ? 'page' : null,
    });
    header.append(h('nav', { class: 'tabs', 'aria-label': t('app.name') },
      tab('/', 'nav.home', 'nav-home'), tab('/me', 'nav.me', 'nav-me'), tab('/profile', 'nav.profile', 'nav-profile')));
  }
  if (chrome === 'admin' && adminTabs) {
    const path = location.pathname;
    header.append(h('nav', { class: 'tabs tabs-admin', 'aria-label': t('admin.nav.label') },
      adminTabs.map((tab) => h('a', {
        href: tab.href, class: 'tab', testid: tab.testid, text: t(tab.key),
        'aria-current': tab.match(path) ? 'page' : null,
      }))));
  }
  header.append(h('p', { class: 'net-banner', role: 'status', hidden: navigator.onLine, text: t('net.offline') }));
}

function adminLogout() {
  const button = h('button', { type: 'button', class: 'header-button', testid: 'admin-logout', text: t('nav.logout') });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try { await api.post('/api/staff/logout'); } catch { /* leave anyway */ }
    navigate('/staff/login', { replace: true });
  });
  return button;
}

async function render(reason = 'navigate') {
  teardown(reason);
  const { route, params } = match(location.pathname);
  const controller = new AbortController();
  const cleanups = [];
  active = { controller, cleanups };
  clear(main);
  if (reason === 'navigate') window.scrollTo(0, 0);
  main.className = `view view-${route.chrome}`;
  const ctx = {
    main,
    params,
    query: new URLSearchParams(location.search),
    signal: controller.signal,
    // true when the same screen is drawn again (language switch, step change):
    // views keep their in-progress state instead of starting over.
    rerender: reason === 'lang' || reason === 'refresh',
    flash: reason === 'navigate' || reason === 'start' ? flash : null,
    navigate,
    refresh: () => render('refresh'),
    onCleanup: (fn) => cleanups.push(fn),
    // A view that wants focus somewhere else than its h1 after drawing (e.g. ?show=rewards).
    focusTarget: null,
    setTitle: (text) => {
      const business = getConfig().business.name;
      document.title = text && business ? `${text} – ${business}` : text || business || t('app.name');
    },
  };
  flash = null;
  ctx.setTitle('');
  let { view } = route;
  if (view.load) {
    if (!view.module) renderHeader('plain'); // brand and language while the screen loads
    const wait = main.appendChild(loading());
    view = await loadInto(ctx, wait, () => prepare(route));
    if (!view || controller.signal.aborted) return;
    wait.remove();
  }
  renderHeader(route.chrome);
  try {
    await view.render(ctx);
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    console.error(err);
  }
  if (ctx.focusTarget && ctx.focusTarget.isConnected && !controller.signal.aborted) {
    ctx.focusTarget.scrollIntoView({ block: 'start' });
    ctx.focusTarget.focus({ preventScroll: true });
  } else if (!firstRender && reason !== 'lang' && !controller.signal.aborted) {
    const heading = main.querySelector('h1');
    (heading || main).focus({ preventScroll: false });
  }
  firstRender = false;
}

function onLinkClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.dataset.external !== undefined) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !isAppPath(url.pathname)) return;
  event.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
}

function updateNetBanner() {
  const banner = header.querySelector('.net-banner');
  if (banner) banner.hidden = navigator.onLine;
}

// A push's navigate URL carries a signed receipt token in `n`: report the open once
// (no session or CSRF needed) and take it out of the address before routing, so a
// reload, a bookmark or a shared link never counts again.
function reportOpened() {
  const params = new URLSearchParams(location.search);
  const token = params.get('n');
  if (!params.has('n')) return;
  if (token) {
    fetch('/api/push/receipts', {
      method: 'POST', credentials: 'same-origin', keepalive: true, cache: 'no-store',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, event: 'opened' }),
    }).catch(() => {});
  }
  params.delete('n');
  const query = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

async function start() {
  reportOpened();
  document.querySelector('.skip-link').textContent = t('app.skip');
  await loadConfig();
  document.addEventListener('click', onLinkClick);
  window.addEventListener('popstate', () => render('popstate'));
  window.addEventListener('online', updateNetBanner);
  window.addEventListener('offline', updateNetBanner);
  onLangChange((lang, { persist }) => {
    document.querySelector('.skip-link').textContent = t('app.skip');
    // A member's own choice also goes to the server (notifications use it).
    if (persist && match(location.pathname).route.chrome === 'member') {
      api.patch('/api/me/profile', { lang }).catch(() => {});
    }
    render('lang');
  });
  await render('start');
  if ('serviceWorker' in navigator) {
    listenToWorker();
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err) => console.warn('SW registration failed', err));
  }
}

start();
