// Member home: stamp card, rewards, tier progress, recent activity. Polls
// /api/me every 5 s while visible so a stamp given at the till shows up here
// within seconds.

import { clear, h } from '../dom.js';
import { errorMessage, formatDate, getLang, hasStoredLang, setLang, t } from '../i18n.js';
import { api } from '../api.js';
import { loadSnapshot, syncFromMe } from '../member-store.js';
import { syncOnOpen } from '../push.js';
import { consentRenewals } from './consents.js';
import { pointsSection } from './home-points.js';
import {
  activityList, formatMemberNumber, lastDay, loading, notice, pageTitle, rewardList, stampCard, tierBadge, tierProgress, withBusy,
} from '../ui.js';

const POLL_MS = 5000;

export async function render(ctx) {
  ctx.setTitle(t('nav.home'));
  // `hm` is the screen and its polling's bookkeeping: the last answer (and its JSON, to redraw only
  // on a change), whether a poll is under way, the flash still to show, and the snapshot's sync.
  const hm = {
    ctx,
    content: h('div', { class: 'home stack-lg' }, loading()),
    live: h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', testid: 'home-live' }),
    lastJson: null,
    lastMe: null,
    inFlight: false,
    flash: ctx.flash,
    syncing: Promise.resolve(),
    langSynced: false,
  };
  const cta = h('div', { class: 'cta-bar' },
    h('a', { href: '/qr', class: 'button button-primary button-xl button-block', testid: 'show-card' },
      qrGlyph(), h('span', { text: t('home.showCard') })));
  ctx.main.append(hm.content, hm.live, cta);

  poll(hm);
  await refresh(hm);
  // A push about rewards opens /?show=rewards: bring that section into view, focus its heading.
  if (ctx.query.get('show') === 'rewards') ctx.focusTarget = hm.content.querySelector('#rewards-h');
}

/** Every POLL_MS while the screen is visible, and at once when it shows again or comes online. */
function poll(hm) {
  const timer = setInterval(() => { if (!document.hidden) refresh(hm); }, POLL_MS);
  const onVisible = () => { if (!document.hidden) refresh(hm); };
  document.addEventListener('visibilitychange', onVisible);
  window.addEventListener('online', onVisible);
  hm.ctx.onCleanup(() => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
    window.removeEventListener('online', onVisible);
  });
}

async function refresh(hm) {
  const { ctx } = hm;
  if (hm.inFlight || ctx.signal.aborted) return;
  hm.inFlight = true;
  try {
    const me = await api.get('/api/me', { signal: ctx.signal });
    hm.syncing = hm.syncing.then(() => syncFromMe(me)).catch(() => {});
    syncOnOpen(me.member.member_number); // once per app open and member
    if (adoptedLang(hm, me)) return;
    const json = JSON.stringify(me);
    if (json !== hm.lastJson) {
      const gained = stampGained(hm.lastMe, me);
      hm.lastJson = json;
      hm.lastMe = me;
      draw(hm, me);
      if (gained) celebrate(me, hm.live, hm.content, gained);
    }
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.code === 'not_authenticated') {
      ctx.navigate('/join', { replace: true });
      return;
    }
    if (!hm.lastMe) await drawUnavailable(hm, err);
  } finally {
    hm.inFlight = false;
  }
}

/** The member's language and this device's: true when the screen is drawn again in theirs. */
function adoptedLang(hm, me) {
  if (!me.member.lang || me.member.lang === getLang()) return false;
  if (!hasStoredLang()) {
    setLang(me.member.lang, { persist: false }); // first visit on this device: adopt theirs; re-renders
    return true;
  }
  if (!hm.langSynced) {
    // This device has an explicit choice (e.g. made on the login screen): tell the server.
    hm.langSynced = true;
    api.patch('/api/me/profile', { lang: getLang() }, { signal: hm.ctx.signal })
      .then(() => { hm.lastJson = null; refresh(hm); }).catch(() => {});
  }
  return false;
}

function draw(hm, me) {
  const { content } = hm;
  // Keep focus on the same control across a poll-driven redraw.
  const focusedId = document.activeElement && content.contains(document.activeElement)
    ? document.activeElement.dataset.testid : null;
  const pointsOpen = Boolean(content.querySelector('[data-testid="points-details"][open]'));
  clear(content);
  content.append(...homeSections(hm.ctx, me, hm.flash, () => { hm.lastJson = null; refresh(hm); }));
  hm.flash = null;
  const details = content.querySelector('[data-testid="points-details"]');
  if (pointsOpen && details) details.open = true; // a poll's redraw keeps it open (and loads it afresh)
  if (focusedId) {
    const again = content.querySelector(`[data-testid="${focusedId}"]`);
    if (again) again.focus();
  }
}

async function drawUnavailable(hm, err) {
  const { content } = hm;
  clear(content);
  const snap = await loadSnapshot();
  const offline = err.code === 'network';
  content.append(
    pageTitle(snap && snap.first_name ? t('home.greeting', { name: snap.first_name }) : t('home.greetingAnon')),
    notice(offline ? 'warn' : 'error', offline ? t('home.offline') : errorMessage(err), { testid: 'home-error' }),
    h('button', { type: 'button', class: 'button', text: t('common.retry'), onclick: () => refresh(hm) }));
}

function stampGained(prev, me) {
  if (!prev || !prev.card || !me.card) return null;
  if (me.rewards.length > prev.rewards.length) return 'reward';
  return me.card.stamps > prev.card.stamps ? 'stamp' : null;
}

// A stamp given at the till just arrived: say it, and pop the newest stamp.
function celebrate(me, live, content, gained) {
  live.textContent = gained === 'reward'
    ? t('home.newReward')
    : t('home.newStamp', { n: me.card.stamps, total: me.card.capacity });
  const filled = content.querySelectorAll('.stamp.filled');
  if (filled.length) filled[filled.length - 1].classList.add('pop');
}

function homeSections(ctx, me, flash, reload) {
  const m = me.member;
  const sections = [];
  sections.push(h('div', { class: 'home-head' },
    h('div', {},
      pageTitle(m.first_name ? t('home.greeting', { name: m.first_name }) : t('home.greetingAnon')),
      h('p', { class: 'muted', testid: 'member-number', text: t('home.memberNo', { number: formatMemberNumber(m.member_number) }) })),
    tierBadge(me.tier)));
  if (flash) sections.push(notice('success', t(flash), { testid: 'flash' }));
  sections.push(...consentRenewals(ctx, me.consents_to_renew || [], reload)); // changed texts to accept again
  if (m.show_profile_prompt) sections.push(profilePrompt(ctx, reload));
  sections.push(stampCard(me.card));
  if (me.points) sections.push(pointsSection(ctx, me.points));
  if (me.prepaid && me.prepaid.length) sections.push(prepaidSection(ctx, me.prepaid));
  sections.push(h('section', { class: 'card', 'aria-labelledby': 'tier-h' },
    h('h2', { id: 'tier-h', text: `${t('tier.label')}: ${me.tier.name}` }),
    tierProgress(me.tier_progress)));
  sections.push(h('section', { class: 'card', 'aria-labelledby': 'rewards-h' },
    h('h2', { id: 'rewards-h', tabindex: '-1', text: t('home.rewardsTitle') }),
    revokedNotices(me.activity),
    me.rewards.length
      ? [rewardList(me.rewards), h('p', { class: 'hint', text: t('reward.howTo') })]
      : h('p', { class: 'muted', testid: 'rewards-empty', text: t('home.rewardsEmpty') })));
  sections.push(h('section', { class: 'card', 'aria-labelledby': 'activity-h' },
    h('h2', { id: 'activity-h', text: t('home.activityTitle') }),
    me.activity.length
      ? activityList(me.activity)
      : h('p', { class: 'muted', text: t('home.activityEmpty') })));
  return sections;
}

// Klippekort: what is left of each and until when; the history (every card, each sale and use) on demand.
function prepaidSection(ctx, cards) {
  const history = h('details', { class: 'prepaid-history', testid: 'prepaid-history' },
    h('summary', { text: t('prepaid.history') }));
  history.addEventListener('toggle', () => {
    if (!history.open || history.dataset.loaded) return;
    history.dataset.loaded = '1';
    api.get('/api/me/prepaid', { signal: ctx.signal }).then((res) => history.append(historyList(res.cards)))
      .catch((err) => { delete history.dataset.loaded; if (err.name !== 'AbortError') history.append(notice('error', errorMessage(err))); });
  });
  return h('section', { class: 'card', testid: 'prepaid-home', 'aria-labelledby': 'prepaid-h' },
    h('h2', { id: 'prepaid-h', text: t('prepaid.title') }),
    h('ul', { class: 'prepaid-list' }, cards.map((c) => h('li', { class: 'prepaid-item', testid: 'prepaid-item', dataset: { cardId: String(c.id) } },
      h('div', { class: 'prepaid-item-head' },
        h('strong', { text: c.name }),
        h('span', { class: 'prepaid-left', testid: 'prepaid-left', text: t('prepaid.left', { left: c.left, units: c.units }) })),
      leftBar(c),
      h('p', { class: 'muted', testid: 'prepaid-expires',
        text: t('prepaid.validUntil', { date: lastDay(c.expires_at) }) + (c.stores.length ? ` · ${c.stores.join(', ')}` : '') })))),
    history);
}

/** Every sale, use and correction of the member's klippekort, newest first. */
function historyList(cards) {
  const items = cards.flatMap((c) => c.entries.map((e) => ({ c, e }))).sort((a, b) => Date.parse(b.e.at) - Date.parse(a.e.at));
  return h('ul', { class: 'activity-list' }, items.map(({ c, e }) => h('li', { class: 'activity', testid: 'prepaid-history-item' },
    h('div', {},
      h('p', { class: 'activity-title', text: `${t(`prepaid.kind.${e.kind}`)} · ${c.card.name}` }),
      e.store || e.reason ? h('p', { class: 'activity-reason', text: [e.store, e.reason].filter(Boolean).join(' · ') }) : null),
    h('span', { class: 'activity-time', text: formatDate(e.at, { day: 'numeric', month: 'short' }) }))));
}

function leftBar(c) {
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(c.units),
    'aria-valuenow': String(c.left), 'aria-label': t('prepaid.left', { left: c.left, units: c.units }) }, h('div', { class: 'progress-fill' }));
  bar.firstChild.style.width = `${Math.round((100 * c.left) / c.units)}%`;
  return bar;
}

// A reward the owner withdrew (a void) in the last two weeks: say so, with the owner's reason.
function revokedNotices(activity) {
  const recent = Date.now() - 14 * 24 * 3600 * 1000;
  return (activity || []).filter((a) => a.kind === 'reward_revoked' && Date.parse(a.at) > recent)
    .map((a) => notice('warn', t('home.rewardRevoked', { reason: a.reason }), { testid: 'reward-revoked', live: false }));
}

function profilePrompt(ctx, reload) {
  const box = h('section', { class: 'card prompt', testid: 'profile-prompt', 'aria-labelledby': 'prompt-h' });
  const error = h('p', { class: 'field-error', role: 'alert' });
  const dismiss = h('button', {
    type: 'button', class: 'button button-ghost', testid: 'profile-prompt-dismiss', text: t('home.promptDismiss'),
    onclick: () => withBusy(dismiss, async () => {
      try {
        await api.post('/api/me/profile/dismiss', undefined, { signal: ctx.signal });
        box.remove();
        reload();
      } catch (err) {
        if (err.name !== 'AbortError') error.textContent = errorMessage(err);
      }
    }),
  });
  box.append(
    h('h2', { id: 'prompt-h', text: t('home.promptTitle') }),
    h('p', { text: t('home.promptBody') }),
    error,
    h('div', { class: 'row-actions' },
      h('a', { href: '/profile', class: 'button button-primary', testid: 'profile-prompt-cta', text: t('home.promptCta') }),
      dismiss));
  return box;
}

function qrGlyph() {
  return h('svg:svg', { viewBox: '0 0 24 24', class: 'icon', 'aria-hidden': 'true', focusable: 'false' },
    h('svg:path', {
      fill: 'currentColor',
      d: 'M3 3h8v8H3V3zm2 2v4h4V5H5zm8-2h8v8h-8V3zm2 2v4h4V5h-4zM3 13h8v8H3v-8zm2 2v4h4v-4H5zm8-2h3v3h-3v-3zm5 0h3v3h-3v-3zm-5 5h3v3h-3v-3zm5 0h3v3h-3v-3z',
    }));
}
