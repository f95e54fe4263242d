// /admin/campaigns/new: write the message, pick who and when, watch the reach,
// confirm, send. The draft lives in module state until the campaign is created,
// so a language switch, a server error or a detour never loses what was typed.

import { field, h } from '../../dom.js';
import { has, t } from '../../i18n.js';
import { ApiError, api, newIdempotencyKey } from '../../api.js';
import { getConfig } from '../../config.js';
import { osloDate, osloParts, osloToInstant } from '../../oslo-time.js';
import { loading, pageTitle, withBusy } from '../../ui.js';
import { handleOwnerError, loadOptions, loadOwnerScreen } from './common.js';
import { defaultEarly, earlyAccess } from './early-access.js';
import { emptySegmentDraft, segmentPicker, toSegment } from './segment-picker.js';
import { reachBox } from './reach.js';
import { messagePreviews } from './message-previews.js';
import { channelPicker, channelsOf, defaultChannel } from './channel-picker.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';
import { confirmPanel } from './campaign-confirm.js';

const FIELDS = ['title', 'body', 'title_en', 'body_en', 'channel', 'target', 'segment', 'send_at', 'early_access'];
const TARGETS = ['offer', 'card', 'rewards'];
// The server names a segment's own fields ("tiers", "last_visit_after") in `field`.
const SEGMENT_FIELDS = Object.fromEntries(['tiers', 'last_visit_before', 'last_visit_after', 'birthday_month',
  'interests_any', 'favourite_store_id', 'has_active_reward'].map((f) => [f, 'segment']));

let draft = null;
// The Idempotency-Key of the submission on the confirm step, with the body it was made for:
// a retry (double tap, network error) of the same body reuses it, so one campaign is created.
let pending = null;

function emptyDraft(opts) {
  return {
    title: '', body: '', title_en: '', body_en: '', enOpen: false, target: 'offer',
    channel: defaultChannel(opts), // "best" where the installation can send by any channel
    seg: emptySegmentDraft(),
    when: 'now', date: osloDate(1), time: '10:00',
    early: defaultEarly(opts), // the tiers' head starts from the tier editor
  };
}

export async function render(ctx) {
  ctx.setTitle(t('admin.new.title'));
  const wait = loading();
  ctx.main.append(wait);
  const opts = await loadOwnerScreen(ctx, wait, loadOptions, { title: t('admin.new.title'), message: ownerErrorMessage });
  if (!opts) return;
  draft ||= emptyDraft(opts);
  wait.replaceWith(...compose(ctx, opts, draft));
}

// The form is built from its sections; `f` holds what they share (the draft, the field errors,
// the reach box, the submit button…) so each step below is a named function of its own.
function compose(ctx, opts, d) {
  const limits = { title: 60, body: 200, ...(opts.limits || {}) };
  const f = {
    ctx, opts, d, limits,
    errors: new FieldErrors(FIELDS, { ...SEGMENT_FIELDS, lead_minutes: 'early_access' }),
    messageFor: (key, code, serverMessage) => fieldMessage(limits, key, code, serverMessage),
    changed: (what) => changed(f, what),
  };
  const message = messageSection(f);
  f.english = message.english;
  const appName = getConfig().business.name || t('app.name');
  f.preview = messagePreviews({ appName, clubName: (opts.channels && opts.channels.club_name) || appName, signal: ctx.signal });
  f.channel = channelPicker(d, opts, () => { f.errors.clear('channel'); f.changed('channel'); });
  f.errors.attach('channel', f.channel.error, f.channel.element);
  const target = targetSection(f);
  f.target = target;
  const when = whenSection(f);
  f.picker = segmentPicker(d.seg, opts, () => { f.errors.clear('segment'); f.changed('segment'); });
  f.errors.attach('segment', f.picker.error, f.picker.element);
  f.early = earlyAccess(d, opts, f.errors, () => f.changed('early'));
  f.reach = reachBox({
    signal: ctx.signal,
    opts,
    onError: (err) => {
      if (handleOwnerError(ctx, err, f.form)) return;
      f.errors.fromServer(err, f.messageFor);
    },
  });
  f.formError = h('div', { class: 'form-error', role: 'alert', testid: 'campaign-form-error' });
  f.submit = h('button', { type: 'submit', class: 'button button-primary button-block button-xl', testid: 'campaign-submit' });
  f.actions = h('div', { class: 'form-actions' }, f.formError, f.submit);
  f.confirm = confirmPanel({ onBack: () => closeConfirm(f, true) });
  f.form = h('form', { class: 'campaign-form stack-lg', novalidate: true, 'aria-labelledby': 'new-h' },
    message.element, f.channel.element, f.preview.element, target, when, f.picker.element, f.early.element,
    f.reach.element, f.actions, f.confirm.element);
  f.form.addEventListener('submit', (event) => { event.preventDefault(); submitted(f); });

  f.preview.setChannel(d.channel);
  f.preview.update(d);
  drawTarget(f);
  drawSubmit(f);
  drawClock(f);
  askReach(f);
  return [
    h('div', { class: 'admin-head' },
      h('p', { class: 'back-link' }, h('a', { href: '/admin/campaigns', text: t('admin.campaigns.back') })),
      pageTitle(t('admin.new.title'), { id: 'new-h' }),
      h('p', { class: 'lead', text: t('admin.new.lead') })),
    f.form,
  ];
}

// ---- the message: title and text, and the same in English behind a fold

function messageSection(f) {
  const { d, limits } = f;
  const english = h('details', { class: 'english', open: d.enOpen },
    h('summary', { testid: 'campaign-en-toggle', text: t('admin.new.english') }),
    h('p', { class: 'hint', text: t('admin.new.englishHint') }),
    textField(f, 'title_en', t('admin.new.titleEn'), limits.title, false),
    textField(f, 'body_en', t('admin.new.bodyEn'), limits.body, true));
  english.addEventListener('toggle', () => { d.enOpen = english.open; });
  const element = h('section', { class: 'card stack', 'aria-labelledby': 'msg-h' },
    h('h2', { id: 'msg-h', text: t('admin.new.message') }),
    textField(f, 'title', t('admin.new.titleLabel'), limits.title, false),
    textField(f, 'body', t('admin.new.bodyLabel'), limits.body, true),
    english);
  return { element, english };
}

/** One text of the message with its "20/60" counter (the limit is read aloud once, not counted). */
function textField(f, key, label, limit, multiline) {
  const { d, errors } = f;
  const id = `campaign-${key}`;
  const counter = h('span', { class: 'counter', id: `${id}-count`, testid: `${key}-count`, 'aria-hidden': 'true' });
  const input = h(multiline ? 'textarea' : 'input', {
    id, name: key, maxlength: String(limit), testid: `campaign-${key.replace('_', '-')}-input`,
    // A textarea's text is its content, not a value attribute.
    ...(multiline ? { rows: '4', text: d[key] } : { type: 'text', autocomplete: 'off', value: d[key] }),
  });
  const limitHint = h('span', { class: 'visually-hidden', id: `${id}-limit`, text: t('admin.new.limit', { n: limit }) });
  input.setAttribute('aria-describedby', `${id}-limit`);
  const count = () => {
    counter.textContent = `${input.value.length}/${limit}`;
    counter.classList.toggle('is-near', input.value.length > limit * 0.9);
  };
  count();
  input.addEventListener('input', () => { d[key] = input.value; count(); errors.clear(key); f.changed('text'); });
  return h('div', { class: 'field' },
    h('div', { class: 'label-row' }, h('label', { for: id, text: label }), counter),
    input, limitHint, errors.slot(key, input));
}

// ---- where a tap on the notification leads

function targetSection(f) {
  const { d, opts, errors } = f;
  const group = h('div', { class: 'radio-cards', role: 'radiogroup', 'aria-labelledby': 'target-h' },
    (opts.targets || TARGETS).filter((x) => TARGETS.includes(x)).map((value) => {
      const id = `target-${value}`;
      const input = h('input', { type: 'radio', name: 'target', id, value, checked: d.target === value, testid: id, 'aria-describedby': `${id}-hint` });
      input.addEventListener('change', () => { if (input.checked) { d.target = value; errors.clear('target'); f.changed('target'); } });
      return h('div', { class: 'check radio-card' }, input, h('div', { class: 'check-text' },
        h('label', { for: id, text: t(`admin.target.${value}`) }),
        h('span', { class: 'hint', id: `${id}-hint`, text: t(`admin.target.${value}Hint`) })));
    }));
  return h('section', { class: 'card' },
    h('h2', { id: 'target-h', text: t('admin.target.title') }), group, errors.slot('target', group));
}

// ---- when: now, or a day and time on an Oslo clock

function whenSection(f) {
  const { d, opts, errors } = f;
  const date = field({ label: t('admin.when.date'), input: h('input', { type: 'date', name: 'send_date', value: d.date, min: osloDate(0), max: osloDate(366), testid: 'send-date' }) });
  const time = field({ label: t('admin.when.time'), input: h('input', { type: 'time', name: 'send_time', value: d.time, step: '60', testid: 'send-time' }) });
  const laterGroup = h('div', { class: 'when-later', id: 'when-later' },
    h('div', { class: 'date-pair' }, date.row, time.row),
    h('p', { class: 'hint', text: t('admin.when.tzHint') }));
  const drawWhen = () => { laterGroup.hidden = d.when !== 'later'; };
  const radio = (value, label, testid) => {
    const id = `when-${value}`;
    const input = h('input', { type: 'radio', name: 'when', id, value, checked: d.when === value, testid });
    input.addEventListener('change', () => { if (input.checked) { d.when = value; errors.clear('send_at'); drawWhen(); f.changed('when'); } });
    return h('span', { class: 'segmented-item' }, input, h('label', { for: id, text: label }));
  };
  const sendAtError = errors.slot('send_at', laterGroup);
  for (const [input, key] of [[date.input, 'date'], [time.input, 'time']]) {
    input.setAttribute('aria-describedby', sendAtError.id);
    input.addEventListener('input', () => { d[key] = input.value; errors.clear('send_at'); f.changed('when'); });
  }
  drawWhen();
  const policy = opts.policy || {};
  return h('section', { class: 'card' },
    h('fieldset', { class: 'fieldset' },
      h('legend', { class: 'card-legend', text: t('admin.when.title') }),
      h('div', { class: 'segmented' }, radio('now', t('admin.when.now'), 'when-now'), radio('later', t('admin.when.later'), 'when-later')),
      laterGroup, sendAtError,
      h('p', { class: 'hint', text: t('admin.when.policy', {
        start: policy.quiet_start || '21:00', end: policy.quiet_end || '09:00', n: policy.marketing_per_week || 2,
      }) })));
}

// ---- what follows a change: the phone preview, the reach, the button's words

function changed(f, what) {
  if (what === 'channel') { f.preview.setChannel(f.d.channel); drawTarget(f); }
  if (what === 'text') f.preview.update(f.d);
  // The texts count for the reach only where they go by SMS (its cost); the box debounces them.
  if (what === 'text' ? channelsOf(f.d.channel).includes('sms') : what !== 'target') askReach(f);
  if (what === 'when') { drawSubmit(f); drawClock(f); }
  if (f.confirm.isOpen()) closeConfirm(f, false); // the question on screen no longer matches the form
}

/** An SMS carries no link into the app (only the opt-out), so "what a tap opens" is not asked then. */
function drawTarget(f) { f.target.hidden = f.d.channel === 'sms'; }

function drawSubmit(f) { f.submit.textContent = t(f.d.when === 'later' ? 'admin.submit.later' : 'admin.submit.now'); }

function drawClock(f) {
  const { d } = f;
  const p = osloParts(new Date());
  const now = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
  f.preview.setClock(d.when === 'later' && /^\d{2}:\d{2}/.test(d.time) ? d.time.slice(0, 5) : now);
}

function askReach(f) {
  const at = sendAt(f.d);
  if (at.error) { f.reach.update(null, t('admin.reach.needTime')); return; }
  const { d } = f;
  f.reach.update({
    segment: toSegment(d.seg), send_at: at.iso, early_access: f.early.value(), channel: d.channel,
    message: channelsOf(d.channel).includes('sms') ? messageOf(d) : null,
  });
}

/** The texts as the preview counts an SMS's cost: null while the Norwegian ones are not there yet. */
function messageOf(d) {
  const clean = (s) => s.trim() || null;
  if (!d.title.trim() || !d.body.trim()) return null;
  return { title: d.title.trim(), body: d.body.trim(), title_en: clean(d.title_en), body_en: clean(d.body_en) };
}

/** The send time as an ISO instant (null: now), or the reason it is not a time we can use. */
function sendAt(d) {
  if (d.when !== 'later') return { iso: null };
  const r = osloToInstant(d.date, d.time);
  if (r.error) return { error: r.error === 'nonexistent' ? t('admin.err.timeNonexistent') : t('admin.err.timeInvalid') };
  if (r.ms < Date.now()) return { error: t('err.campaign_time_past') };
  return { iso: r.iso };
}

function payload(f) {
  const { d } = f;
  const clean = (s) => s.trim() || null;
  return {
    title: d.title.trim(), body: d.body.trim(), title_en: clean(d.title_en), body_en: clean(d.body_en),
    channel: d.channel, target: d.target, segment: toSegment(d.seg), send_at: sendAt(d).iso ?? null, early_access: f.early.value(),
  };
}

function fieldMessage(limits, key, code, serverMessage) {
  const n = key.startsWith('title') ? limits.title : limits.body;
  if (code && code !== 'validation_error' && has(`err.${code}`)) return t(`err.${code}`, { n });
  if (has(`admin.fieldErr.${key}`)) return t(`admin.fieldErr.${key}`, { n });
  return serverMessage || t('err.validation_error');
}

// ---- submit: check here first, then the confirm step, then create

/** The checks the phone can make before asking the server; true when all pass. */
function checkDraft(f) {
  const { d, errors, limits, english } = f;
  errors.clear();
  const need = (key, ok) => { if (!ok) errors.set(key, f.messageFor(key)); };
  need('title', d.title.trim() && d.title.trim().length <= limits.title);
  need('body', d.body.trim() && d.body.trim().length <= limits.body);
  const te = d.title_en.trim();
  const be = d.body_en.trim();
  if (te || be) {
    need('title_en', te && te.length <= limits.title);
    need('body_en', be && be.length <= limits.body);
    if (!english.open && (!te || !be)) { english.open = true; d.enOpen = true; }
  }
  const at = sendAt(d);
  if (at.error) errors.set('send_at', at.error);
  if (d.seg.visitAfter && d.seg.visitBefore && d.seg.visitAfter >= d.seg.visitBefore) {
    errors.set('segment', t('err.campaign_visit_range_empty'));
  }
  const earlyError = f.early.error();
  if (earlyError) errors.set('early_access', earlyError);
  return !errors.any();
}

function submitted(f) {
  f.formError.textContent = '';
  if (!checkDraft(f)) {
    f.formError.textContent = t('admin.err.checkFields');
    f.errors.focusFirst();
    return;
  }
  withBusy(f.submit, async () => {
    const result = await f.reach.flush();
    if (f.ctx.signal.aborted) return;
    const body = payload(f);
    const json = JSON.stringify(body);
    if (!pending || pending.json !== json) pending = { key: newIdempotencyKey(), json };
    f.actions.hidden = true;
    f.confirm.open({ body, reach: result, opts: f.opts, onYes: (button) => send(f, button, body) });
  });
}

function closeConfirm(f, focusSubmit) {
  f.confirm.close();
  f.actions.hidden = false;
  if (focusSubmit) f.submit.focus();
}

async function send(f, button, body) {
  const { ctx } = f;
  const key = pending.key;
  f.confirm.setError('');
  await withBusy(button, async () => {
    try {
      const campaign = await createWithRetry(body, key, ctx.signal);
      draft = null;
      pending = null;
      ctx.navigate(`/admin/campaigns/${campaign.id}`, { flash: body.send_at ? 'admin.flash.scheduled' : 'admin.flash.sent' });
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (!(err instanceof ApiError)) console.error(err);
      if (handleOwnerError(ctx, err, f.form)) return;
      if (err.code === 'network' || err.status >= 500 || err.code === 'idempotency_in_flight') {
        f.confirm.setError(ownerErrorMessage(err)); // same key on the next tap: never two campaigns
        return;
      }
      pending = null;
      closeConfirm(f, false);
      const placed = f.errors.fromServer(err, f.messageFor);
      f.formError.textContent = placed ? t('admin.err.checkFields') : ownerErrorMessage(err);
      if (!placed || !f.errors.focusFirst()) f.submit.focus();
    }
  });
}

// A twin request with the same key still running answers "in flight": wait and ask again;
// the server then returns the first request's campaign.
async function createWithRetry(body, key, signal, attempts = 5) {
  for (let i = 0; ; i += 1) {
    try {
      return await api.post('/api/admin/campaigns', body, { idempotencyKey: key, signal });
    } catch (err) {
      if (err.code !== 'idempotency_in_flight' || i >= attempts) throw err;
      await new Promise((resolve) => { setTimeout(resolve, 800); });
      if (signal.aborted) throw err;
    }
  }
}
