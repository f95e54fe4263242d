// The composer's previews, one per channel the campaign may use: the lock-screen notification,
// the SMS as a message bubble (its exact text, length, segments and price) and the e-mail as the
// phone's mail app shows it. The SMS and e-mail come from POST /api/admin/campaigns/message-preview
// ~400 ms after the owner stops typing; a newer question aborts the older one, and an answer is
// drawn only while it is still the answer to what the form says (the last question wins).

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { api } from '../../api.js';
import { notificationPreview } from './notification-preview.js';
import { smsPreview } from './sms-preview.js';
import { emailPreview } from './email-preview.js';
import { channelsOf } from './channel-picker.js';

const DEBOUNCE_MS = 400;
const PATH = '/api/admin/campaigns/message-preview';
const CACHE_SIZE = 12;

/** messagePreviews({appName, clubName, signal}) → {element, update(d), setChannel(choice), setClock(text)}. */
export function messagePreviews({ appName, clubName, signal }) {
  const p = {
    signal, d: null, view: 'push', lang: 'nb', views: ['push'],
    push: notificationPreview(appName),
    sms: smsPreview(clubName),
    email: emailPreview(clubName),
    cache: new Map(), wanted: null, timer: null, controller: null,
  };
  p.status = h('p', { class: 'muted preview-status', testid: 'message-preview-status', 'aria-live': 'polite' });
  p.viewTabs = switcher('preview-view', ['push', 'email', 'sms'], (v) => t(`admin.channel.${v}`), (v) => { p.view = v; refresh(p); });
  p.langTabs = switcher('preview-lang', ['nb', 'en'], (l) => t(`admin.previews.lang.${l}`), (l) => { p.lang = l; refresh(p); });
  p.element = h('section', { class: 'card previews', testid: 'campaign-previews', 'aria-labelledby': 'previews-h' },
    h('h2', { id: 'previews-h', text: t('admin.previews.title') }),
    p.viewTabs.element, p.langTabs.element,
    p.push.element, p.sms.element, p.email.element, p.status);
  signal.addEventListener('abort', () => { clearTimeout(p.timer); if (p.controller) p.controller.abort(); }, { once: true });
  return {
    element: p.element,
    update: (d) => { p.d = d; refresh(p); },
    setChannel: (choice) => { p.views = channelsOf(choice); if (!p.views.includes(p.view)) p.view = p.views[0]; refresh(p); },
    setClock: (text) => p.push.setClock(text),
  };
}

/** A row of pill buttons (radios) for one choice; `show(values)` hides the ones not offered. */
function switcher(name, values, label, onPick) {
  const items = values.map((value) => {
    const id = `${name}-${value}`;
    const input = h('input', { type: 'radio', name, id, value, testid: id });
    input.addEventListener('change', () => { if (input.checked) onPick(value); });
    return { value, input, el: h('span', { class: 'segmented-item' }, input, h('label', { for: id, text: label(value) })) };
  });
  const element = h('div', { class: 'segmented segmented-small', role: 'radiogroup', 'aria-label': t(`admin.previews.${name}`) },
    items.map((i) => i.el));
  return {
    element,
    set(current, offered) {
      for (const i of items) { i.el.hidden = !offered.includes(i.value); i.input.checked = i.value === current; }
      element.hidden = offered.length < 2;
    },
  };
}

function hasEnglish(d) {
  return Boolean(d && (d.title_en.trim() || d.body_en.trim()));
}

/** Shows the panel for the chosen channel and language, and asks for the SMS/e-mail when needed. */
function refresh(p) {
  const { d } = p;
  if (!d) return;
  const langs = hasEnglish(d) ? ['nb', 'en'] : ['nb'];
  if (!langs.includes(p.lang)) p.lang = 'nb';
  p.viewTabs.set(p.view, p.views);
  p.langTabs.set(p.lang, p.view === 'push' ? [] : langs); // the notification shows both languages at once
  p.push.element.hidden = p.view !== 'push';
  p.sms.element.hidden = p.view !== 'sms';
  p.email.element.hidden = p.view !== 'email';
  p.push.update(d);
  if (p.view === 'email') p.email.fit(); // a frame laid out while hidden has no height
  if (p.view === 'push') { p.status.textContent = ''; return; }
  want(p, question(d, p.lang));
}

function question(d, lang) {
  const [title, body] = lang === 'en' ? [d.title_en, d.body_en] : [d.title, d.body];
  return { title: title.trim(), body: body.trim(), lang };
}

function want(p, q) {
  const key = JSON.stringify(q);
  if (key === p.wanted && (p.timer || p.controller)) return; // already on its way
  p.wanted = key;
  clearTimeout(p.timer);
  p.timer = null;
  if (p.controller) { p.controller.abort(); p.controller = null; }
  if (!q.title && !q.body) { drawEmpty(p); return; }
  if (p.cache.has(key)) { draw(p, p.cache.get(key)); return; }
  p.element.setAttribute('aria-busy', 'true');
  p.status.textContent = t('admin.previews.updating');
  p.timer = setTimeout(() => { p.timer = null; ask(p, q, key); }, DEBOUNCE_MS);
}

async function ask(p, q, key) {
  const mine = new AbortController();
  p.controller = mine;
  try {
    const answer = await api.post(PATH, q, { signal: mine.signal });
    remember(p, key, answer);
    if (p.wanted === key) draw(p, answer);
  } catch (err) {
    if (err.name === 'AbortError' || p.wanted !== key) return;
    p.status.textContent = t('admin.previews.failed');
    p.element.removeAttribute('aria-busy');
  } finally {
    if (p.controller === mine) p.controller = null;
  }
}

function remember(p, key, answer) {
  p.cache.set(key, answer);
  if (p.cache.size > CACHE_SIZE) p.cache.delete(p.cache.keys().next().value);
}

function draw(p, answer) {
  p.sms.show(answer.sms);
  p.email.show(answer.email);
  p.status.textContent = '';
  p.element.removeAttribute('aria-busy');
}

function drawEmpty(p) {
  p.sms.show(null);
  p.email.show(null);
  p.status.textContent = t('admin.previews.typeFirst');
  p.element.removeAttribute('aria-busy');
}
