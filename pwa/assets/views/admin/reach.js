// The live reach box of the campaign form: asks POST /api/admin/campaigns/preview
// ~300 ms after the last change (a newer question aborts the older one) and says
// how many members the campaign reaches, why the others are left out, and when
// it really goes out (quiet hours, early access); for "best", how many by each channel, and
// what the SMS among them cost.

import { h } from '../../dom.js';
import { errorMessage, t } from '../../i18n.js';
import { api } from '../../api.js';
import { formatNok, formatWhenLong, listOf, tierName } from './common.js';

const DEBOUNCE_MS = 300;
const PATH = '/api/admin/campaigns/preview';
const REASONS = ['no_marketing_consent', 'no_analysis_consent', 'no_device', 'no_address', 'weekly_cap'];
const CHANNELS = ['push', 'email', 'sms'];

/**
 * reachBox({signal, opts, onError}) → {element, update(body|null, note), flush()}.
 * update(null, note) means the form cannot be asked about yet (e.g. no valid time).
 * flush() resolves to the answer for the latest question (or null when there is none).
 */
export function reachBox({ signal, opts, onError }) {
  // `rb` is the box and its bookkeeping: the latest question (as JSON), the debounce timer, the
  // request in flight and its controller, the last answer and the question it was for.
  const rb = {
    signal, opts, onError,
    body: h('div', { class: 'reach-body' }),
    wanted: null,
    timer: null,
    controller: null,
    inflight: null,
    answer: null,
    answerFor: null,
    lastEarly: null, // the early access of the latest question, for the answer's "Forsprang" line
  };
  rb.element = h('section', {
    class: 'card reach', testid: 'campaign-reach', 'aria-labelledby': 'reach-h',
  }, h('h2', { id: 'reach-h', text: t('admin.reach.title') }), rb.body);
  // Polite: the owner hears the new number after a pause, not on every keystroke.
  rb.live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  rb.element.append(rb.live);
  return {
    element: rb.element,
    update: (question, note) => update(rb, question, note),
    flush: () => flush(rb),
    latest: () => (rb.answerFor === rb.wanted ? rb.answer : null),
  };
}

function update(rb, question, note = '') {
  const { element, body } = rb;
  const json = question ? JSON.stringify(question) : null;
  if (json === rb.wanted && json !== null) return;
  rb.wanted = json;
  rb.lastEarly = question ? question.early_access : null;
  clearTimeout(rb.timer);
  rb.timer = null;
  if (rb.controller) rb.controller.abort();
  rb.controller = null;
  rb.inflight = null;
  if (!question) {
    rb.answer = null;
    rb.answerFor = null;
    element.removeAttribute('aria-busy');
    delete element.dataset.reach;
    body.replaceChildren(h('p', { class: 'muted', testid: 'reach-incomplete', text: note || t('admin.reach.incomplete') }));
    return;
  }
  element.setAttribute('aria-busy', 'true');
  element.classList.add('is-busy');
  if (!rb.answer) body.replaceChildren(h('p', { class: 'muted', text: t('admin.reach.counting') }));
  rb.timer = setTimeout(() => { rb.timer = null; ask(rb, question, json); }, DEBOUNCE_MS);
}

function ask(rb, question, json) {
  const { element, signal } = rb;
  const mine = new AbortController();
  rb.controller = mine;
  const stop = () => mine.abort();
  signal.addEventListener('abort', stop, { once: true });
  rb.inflight = api.post(PATH, question, { signal: mine.signal })
    .then((result) => {
      if (rb.controller !== mine) return null;
      rb.answer = result;
      rb.answerFor = json;
      draw(rb, result, question);
      return result;
    }, (err) => {
      if (err.name === 'AbortError' || rb.controller !== mine) return null;
      rb.answer = null;
      rb.answerFor = null;
      delete element.dataset.reach;
      rb.body.replaceChildren(h('p', { class: 'field-error', testid: 'reach-error', text: errorMessage(err) }));
      if (rb.onError) rb.onError(err);
      return null;
    })
    .finally(() => {
      signal.removeEventListener('abort', stop);
      if (rb.controller === mine) {
        rb.controller = null;
        rb.inflight = null;
        element.removeAttribute('aria-busy');
        element.classList.remove('is-busy');
      }
    });
  return rb.inflight;
}

async function flush(rb) {
  if (rb.wanted === null) return null;
  if (rb.timer) {
    clearTimeout(rb.timer);
    rb.timer = null;
    return ask(rb, JSON.parse(rb.wanted), rb.wanted);
  }
  if (rb.inflight) return rb.inflight;
  if (rb.answerFor === rb.wanted) return rb.answer;
  return ask(rb, JSON.parse(rb.wanted), rb.wanted); // the last try failed: once more
}

// ---- the answer: how many it reaches, why the others are left out, and when it goes

function draw(rb, r, question) {
  const { element, opts } = rb;
  element.dataset.reach = String(r.reach);
  element.dataset.inSegment = String(r.in_segment);
  rb.body.replaceChildren(
    ...reachSummary(r),
    ...channelSplit(r, question),
    ...smsLine(r),
    ...excludedList(r, opts),
    ...whenLines(r, question, opts),
    ...(r.early && rb.lastEarly ? [earlyLine(r, rb.lastEarly, opts)] : []));
  rb.live.textContent = t('admin.reach.spoken', { reach: r.reach, n: r.in_segment });
}

function reachSummary(r) {
  const parts = [h('p', { class: ['reach-summary', r.reach === 0 ? 'is-zero' : null], testid: 'reach-summary' },
    ...fill(t('admin.reach.summary', { n: r.in_segment }), {
      reach: h('strong', { class: 'reach-count', testid: 'reach-count', text: String(r.reach) }),
    }))];
  if (r.in_segment === 0) parts.push(h('p', { class: 'muted', text: t('admin.reach.nobody') }));
  return parts;
}

/** "Best": how many get it as a notification, an e-mail or an SMS. */
function channelSplit(r, question) {
  if (question.channel !== 'best' || !r.by_channel || !r.reach) return [];
  return [h('ul', { class: 'reach-channels', testid: 'reach-channels', 'aria-label': t('admin.reach.byChannel') },
    CHANNELS.map((c) => h('li', { class: 'reach-channel', testid: `reach-channel-${c}`, dataset: { value: String(r.by_channel[c] || 0) } },
      h('span', { class: 'reach-channel-count', text: String(r.by_channel[c] || 0) }),
      h('span', { class: 'reach-channel-label', text: t(`admin.reach.channel.${c}`) }))))];
}

/** "≈ 123 SMS-segmenter · ca. 55,35 kr" when some of it goes by SMS and the texts are there. */
function smsLine(r) {
  if (!r.sms || !r.sms.messages) return [];
  return [h('p', { class: 'reach-sms', testid: 'reach-sms', dataset: { segments: String(r.sms.segments) } },
    t('admin.reach.sms', { n: r.sms.segments, cost: formatNok(r.sms.cost_nok) }))];
}

function excludedList(r, opts) {
  const excluded = REASONS.filter((k) => (r.excluded || {})[k] > 0);
  if (!excluded.length) return [];
  return [h('p', { class: 'reach-why', text: t('admin.reach.whyOthers') }),
    h('ul', { class: 'reach-excluded', testid: 'reach-excluded' }, excluded.map((k) => h('li', {
      dataset: { reason: k }, text: t(`admin.reach.excluded.${k}`, { n: r.excluded[k], cap: policyCap(opts) }),
    })))];
}

/** "Sendes med en gang" or the time it goes, and why when quiet hours moved it. */
function whenLines(r, question, opts) {
  const sendAt = r.send_at;
  const parts = [h('p', { class: 'reach-when', testid: 'reach-when', text: question.send_at === null && !r.moved_by_quiet_hours
    ? t('admin.reach.whenNow')
    : t('admin.reach.when', { time: formatWhenLong(sendAt) }) })];
  if (r.moved_by_quiet_hours) {
    const p = (opts && opts.policy) || {};
    parts.push(h('p', { class: 'notice notice-info', testid: 'reach-quiet', text: t('admin.reach.quiet', {
      start: p.quiet_start || '21:00', end: p.quiet_end || '09:00', time: formatWhenLong(sendAt),
    }) }));
  }
  return parts;
}

function earlyLine(r, early, opts) {
  return h('p', { class: 'reach-early', testid: 'reach-early', text: t('admin.reach.early', {
    n: r.early.reach, tiers: listOf(early.tiers.map((c) => tierName(opts, c))), time: formatWhenLong(r.early.send_at),
  }) });
}

function policyCap(opts) {
  return (opts && opts.policy && opts.policy.marketing_per_week) || 2;
}

/** "Når {reach} av {n} …" with {reach} as a node. */
function fill(text, nodes) {
  const out = [];
  let rest = text;
  for (;;) {
    const m = /\{(\w+)\}/.exec(rest);
    if (!m) break;
    if (m.index) out.push(rest.slice(0, m.index));
    out.push(nodes[m[1]] || m[0]);
    rest = rest.slice(m.index + m[0].length);
  }
  if (rest) out.push(rest);
  return out;
}
