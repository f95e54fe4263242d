// The live reach box of the campaign form: asks POST /api/admin/campaigns/preview
// ~300 ms after the last change (a newer question aborts the older one) and says
// how many members the campaign reaches, why the others are left out, and when
// it really goes out (quiet hours, early access).

import { h } from '../../dom.js';
import { errorMessage, t } from '../../i18n.js';
import { api } from '../../api.js';
import { formatWhenLong, listOf, tierName } from './common.js';

const DEBOUNCE_MS = 300;
const PATH = '/api/admin/campaigns/preview';
const REASONS = ['no_marketing_consent', 'no_analysis_consent', 'no_device', 'weekly_cap'];

/**
 * reachBox({signal, opts, onError}) → {element, update(body|null, note), flush()}.
 * update(null, note) means the form cannot be asked about yet (e.g. no valid time).
 * flush() resolves to the answer for the latest question (or null when there is none).
 */
export function reachBox({ signal, opts, onError }) {
  const body = h('div', { class: 'reach-body' });
  const element = h('section', {
    class: 'card reach', testid: 'campaign-reach', 'aria-labelledby': 'reach-h',
  }, h('h2', { id: 'reach-h', text: t('admin.reach.title') }), body);
  // Polite: the owner hears the new number after a pause, not on every keystroke.
  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  element.append(live);

  let wanted = null; // JSON of the latest question
  let timer = null;
  let controller = null;
  let inflight = null;
  let answer = null;
  let answerFor = null;
  let lastEarly = null;

  function update(question, note = '') {
    const json = question ? JSON.stringify(question) : null;
    if (json === wanted && json !== null) return;
    wanted = json;
    lastEarly = question ? question.early_access : null;
    clearTimeout(timer);
    timer = null;
    if (controller) controller.abort();
    controller = null;
    inflight = null;
    if (!question) {
      answer = null;
      answerFor = null;
      element.removeAttribute('aria-busy');
      delete element.dataset.reach;
      body.replaceChildren(h('p', { class: 'muted', testid: 'reach-incomplete', text: note || t('admin.reach.incomplete') }));
      return;
    }
    element.setAttribute('aria-busy', 'true');
    element.classList.add('is-busy');
    if (!answer) body.replaceChildren(h('p', { class: 'muted', text: t('admin.reach.counting') }));
    timer = setTimeout(() => { timer = null; ask(question, json); }, DEBOUNCE_MS);
  }

  function ask(question, json) {
    const mine = new AbortController();
    controller = mine;
    const stop = () => mine.abort();
    signal.addEventListener('abort', stop, { once: true });
    inflight = api.post(PATH, question, { signal: mine.signal })
      .then((result) => {
        if (controller !== mine) return null;
        answer = result;
        answerFor = json;
        draw(result, question);
        return result;
      }, (err) => {
        if (err.name === 'AbortError' || controller !== mine) return null;
        answer = null;
        answerFor = null;
        delete element.dataset.reach;
        body.replaceChildren(h('p', { class: 'field-error', testid: 'reach-error', text: errorMessage(err) }));
        if (onError) onError(err);
        return null;
      })
      .finally(() => {
        signal.removeEventListener('abort', stop);
        if (controller === mine) {
          controller = null;
          inflight = null;
          element.removeAttribute('aria-busy');
          element.classList.remove('is-busy');
        }
      });
    return inflight;
  }

  async function flush() {
    if (wanted === null) return null;
    if (timer) {
      clearTimeout(timer);
      timer = null;
      return ask(JSON.parse(wanted), wanted);
    }
    if (inflight) return inflight;
    if (answerFor === wanted) return answer;
    return ask(JSON.parse(wanted), wanted); // the last try failed: once more
  }

  function draw(r, question) {
    element.dataset.reach = String(r.reach);
    element.dataset.inSegment = String(r.in_segment);
    const excluded = REASONS.filter((k) => (r.excluded || {})[k] > 0);
    const parts = [];
    parts.push(h('p', { class: ['reach-summary', r.reach === 0 ? 'is-zero' : null], testid: 'reach-summary' },
      ...fill(t('admin.reach.summary', { n: r.in_segment }), {
        reach: h('strong', { class: 'reach-count', testid: 'reach-count', text: String(r.reach) }),
      })));
    if (r.in_segment === 0) parts.push(h('p', { class: 'muted', text: t('admin.reach.nobody') }));
    if (excluded.length) {
      parts.push(h('p', { class: 'reach-why', text: t('admin.reach.whyOthers') }),
        h('ul', { class: 'reach-excluded', testid: 'reach-excluded' }, excluded.map((k) => h('li', {
          dataset: { reason: k }, text: t(`admin.reach.excluded.${k}`, { n: r.excluded[k], cap: policyCap(opts) }),
        }))));
    }
    const sendAt = r.send_at;
    parts.push(h('p', { class: 'reach-when', testid: 'reach-when', text: question.send_at === null && !r.moved_by_quiet_hours
      ? t('admin.reach.whenNow')
      : t('admin.reach.when', { time: formatWhenLong(sendAt) }) }));
    if (r.moved_by_quiet_hours) {
      const p = (opts && opts.policy) || {};
      parts.push(h('p', { class: 'notice notice-info', testid: 'reach-quiet', text: t('admin.reach.quiet', {
        start: p.quiet_start || '21:00', end: p.quiet_end || '09:00', time: formatWhenLong(sendAt),
      }) }));
    }
    if (r.early && lastEarly) {
      parts.push(h('p', { class: 'reach-early', testid: 'reach-early', text: t('admin.reach.early', {
        n: r.early.reach, tiers: listOf(lastEarly.tiers.map((c) => tierName(opts, c))), time: formatWhenLong(r.early.send_at),
      }) }));
    }
    body.replaceChildren(...parts);
    live.textContent = t('admin.reach.spoken', { reach: r.reach, n: r.in_segment });
  }

  return { element, update, flush, latest: () => (answerFor === wanted ? answer : null) };
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
