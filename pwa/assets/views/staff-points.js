// Points on the till, below the member's stamp card and klippekort: the balance, the purchase amount
// that earns points ("Gi poeng"), and a big button per reward the member can afford. It keeps its own
// state per scan; staff.js only places it. A club without a points program shows nothing.

import { h } from '../dom.js';
import { errorMessage, has, t } from '../i18n.js';
import { api, newIdempotencyKey } from '../api.js';
import { parseKroner } from './staff-result.js';

const IN_FLIGHT_RETRIES = 3;

/** The section for one scan (`scan` as POST /api/staff/scans answered): fills itself, or removes itself. */
export function pointsPanel(scan, signal) {
  const p = { scan, signal, data: null, busy: false, message: null, failed: null, el: null };
  p.el = h('section', { class: 'points-till stack', testid: 'points-till', 'aria-labelledby': 'points-till-h', hidden: true });
  p.amount = h('input', {
    type: 'text', inputmode: 'decimal', enterkeyhint: 'done', autocomplete: 'off', id: 'points-amount',
    class: 'points-amount', testid: 'points-amount', placeholder: '0', 'aria-describedby': 'points-amount-hint',
  });
  p.amount.addEventListener('input', () => { if (p.message && p.message.kind === 'error') { p.message = null; draw(p); } });
  p.form = h('form', { class: 'points-earn stack', novalidate: true, testid: 'points-earn-form' },
    h('label', { for: 'points-amount', class: 'label', text: t('points.till.amount') }),
    p.amount,
    h('p', { class: 'hint', id: 'points-amount-hint', text: t('points.till.amountHint') }),
    h('button', { type: 'submit', class: 'button button-primary button-xl button-block', testid: 'points-earn', text: t('points.till.earn') }));
  p.form.addEventListener('submit', (event) => { event.preventDefault(); earn(p); });
  api.get(`/api/staff/points/${encodeURIComponent(scan.scan_id)}`, { signal })
    .then((data) => { p.data = data; draw(p); })
    .catch((err) => {
      if (err.name === 'AbortError' || err.code === 'no_points_program') return; // no program: no section
      p.message = { kind: 'error', text: errorMessage(err) };
      draw(p);
    });
  return p.el;
}

function draw(p) {
  const { el, data } = p;
  el.hidden = false;
  // The amount field is the same element across redraws: what the cashier typed stays, and keeps focus.
  const hadFocus = document.activeElement === p.amount;
  el.replaceChildren(h('h3', { id: 'points-till-h', text: data ? data.program_name : t('points.till.title') }));
  if (data) {
    const b = data.balance;
    el.append(h('p', { class: 'points-till-balance', testid: 'points-till-balance' },
      h('strong', { text: t('points.count', { n: b.confirmed }) }),
      b.pending ? h('span', { class: 'muted', text: ` · ${t('points.till.pending', { n: b.pending })}` }) : null));
  }
  if (p.message) {
    el.append(h('div', { class: ['notice', `notice-${p.message.kind}`], role: p.message.kind === 'error' ? 'alert' : 'status', testid: 'points-message' },
      h('p', { text: p.message.text }),
      p.message.retry ? h('button', { type: 'button', class: 'button button-small', testid: 'points-retry', text: t('common.retry'), onclick: p.message.retry }) : null));
  }
  if (!data) return;
  for (const button of p.form.querySelectorAll('button')) button.disabled = p.busy;
  el.append(p.form);
  if (hadFocus) p.amount.focus();
  const affordable = data.catalogue.filter((i) => i.cost <= data.balance.confirmed);
  if (p.scan.method === 'manual' && affordable.length) {
    el.append(h('p', { class: 'hint', testid: 'points-manual-note', text: t('points.till.needsQr') }));
  } else if (affordable.length) {
    el.append(h('div', { class: 'points-spend stack', testid: 'points-spend-list' }, affordable.map((item) => h('button', {
      type: 'button', class: 'button button-xl button-block', testid: 'points-spend', dataset: { itemId: String(item.id) }, disabled: p.busy,
      text: t('points.till.spend', { name: item.name, cost: item.cost }),
      onclick: () => act(p, 'spends', { item_id: item.id }, (res) => t('points.till.spent', { name: item.name, n: res.spent, left: res.balance.confirmed })),
    }))));
  } else if (data.catalogue.length) {
    el.append(h('p', { class: 'muted', testid: 'points-none-affordable', text: t('points.till.noneAffordable', { n: data.catalogue[0].cost }) }));
  }
}

/** "Gi poeng": the typed amount in kroner, checked here first so a slip costs nothing. */
function earn(p) {
  if (p.busy) return;
  const ore = parseKroner(p.amount.value);
  if (ore === null || ore <= 0) {
    p.message = { kind: 'error', text: t('points.till.err.amount') };
    draw(p);
    p.amount.focus();
    return;
  }
  // The same amount again after a lost answer is the same purchase: it keeps its Idempotency-Key.
  const key = p.failed && p.failed.ore === ore ? p.failed.key : newIdempotencyKey();
  act(p, 'earnings', { amount_ore: ore }, (res) => {
    p.amount.value = '';
    return t('points.till.earned', { n: res.earned, total: res.balance.pending + res.balance.confirmed });
  }, key, 0, ore);
}

/** One points action with its own Idempotency-Key, reused when the answer was lost. */
async function act(p, path, fields, success, key = newIdempotencyKey(), attempt = 0, ore = null) {
  p.busy = true;
  p.message = null;
  draw(p);
  try {
    const res = await api.post(`/api/staff/points/${path}`, { scan_id: p.scan.scan_id, ...fields }, { idempotencyKey: key, signal: p.signal });
    p.data = res;
    p.failed = null;
    p.message = { kind: 'success', text: success(res) };
    if (navigator.vibrate) navigator.vibrate(40);
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.code === 'idempotency_in_flight' && attempt < IN_FLIGHT_RETRIES) {
      setTimeout(() => { if (!p.signal.aborted) act(p, path, fields, success, key, attempt + 1, ore); }, 1200);
      return;
    }
    const lost = err.code === 'network';
    p.failed = lost && ore !== null ? { ore, key } : null;
    p.message = { kind: 'error', text: pointsError(p, err), retry: lost ? () => act(p, path, fields, success, key, 0, ore) : null };
  } finally {
    p.busy = false;
  }
  draw(p);
}

function pointsError(p, err) {
  if (err.code && has(`points.till.err.${err.code}`)) return t(`points.till.err.${err.code}`);
  return errorMessage(err);
}
