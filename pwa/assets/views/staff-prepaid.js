// Klippekort on the till, below the member's stamp card: the member's cards (units left, until
// when, a big "use one" button), the klippekort this store sells, undo of the last klippekort action
// and a refund of what is left. It keeps its own state per scan; staff.js only places it.

import { field, h } from '../dom.js';
import { errorMessage, t } from '../i18n.js';
import { api, newIdempotencyKey } from '../api.js';
import { serverNow } from '../server-clock.js';
import { lastDay } from '../ui.js';

const IN_FLIGHT_RETRIES = 3;

function kroner(ore) {
  return `${(ore / 100).toFixed(ore % 100 ? 2 : 0).replace('.', ',')} kr`;
}

/** The panel for one scan: an element that fills itself, and keeps itself up to date. */
export function prepaidPanel(scanId, signal) {
  const p = { scanId, signal, data: null, busy: false, message: null, open: null, el: h('section', { class: 'prepaid-till stack', testid: 'prepaid-till', 'aria-labelledby': 'prepaid-till-h' }) };
  draw(p);
  api.get(`/api/staff/prepaid/${encodeURIComponent(scanId)}`, { signal })
    .then((data) => { p.data = data; draw(p); })
    .catch((err) => { if (err.name !== 'AbortError') { p.message = { kind: 'error', text: errorMessage(err) }; draw(p); } });
  return p.el;
}

function draw(p) {
  const { el, data } = p;
  el.replaceChildren(h('h3', { id: 'prepaid-till-h', text: t('prepaid.till.title') }));
  if (p.message) {
    el.append(h('div', { class: ['notice', `notice-${p.message.kind}`], role: p.message.kind === 'error' ? 'alert' : 'status', testid: 'prepaid-message' },
      h('p', { text: p.message.text }),
      p.message.retry ? h('button', { type: 'button', class: 'button button-small', text: t('common.retry'), onclick: p.message.retry }) : null));
  }
  if (!data) { if (!p.message) el.append(h('p', { class: 'loading', role: 'status', text: t('staff.looking') })); return; }
  el.append(data.cards.length
    ? h('ul', { class: 'prepaid-cards' }, data.cards.map((c) => cardRow(p, c)))
    : h('p', { class: 'muted', testid: 'prepaid-none', text: t('prepaid.till.none') }));
  if (data.products.length) {
    el.append(h('div', { class: 'prepaid-sell stack' },
      h('p', { class: 'hint', text: t('prepaid.till.sellHint') }),
      data.products.map((prod) => h('button', {
        type: 'button', class: 'button button-block', testid: 'prepaid-sell', dataset: { productId: String(prod.id) }, disabled: p.busy,
        text: t('prepaid.till.sell', { name: prod.name, price: kroner(prod.price_ore) }),
        onclick: () => act(p, 'sales', { product_id: prod.id }, (res) => t('prepaid.till.sold', { name: nameOf(res) })),
      }))));
  }
  const last = data.last_action;
  if (last && Date.parse(last.undo_until) > serverNow()) el.append(reasonBox(p, 'undo', last.card_id));
}

function nameOf(res) {
  const card = res.cards.find((c) => c.id === res.card_id);
  return card ? card.name : '';
}

function cardRow(p, c) {
  const left = h('span', { class: 'prepaid-left', testid: 'prepaid-left', text: t('prepaid.till.left', { left: c.left, units: c.units }) });
  const use = h('button', {
    type: 'button', class: 'button button-primary button-xl button-block', testid: 'prepaid-use', disabled: p.busy || !c.usable_here,
    text: t('prepaid.till.use'),
    onclick: () => act(p, 'uses', { card_id: c.id }, (res) => {
      const after = res.cards.find((x) => x.id === c.id) || c;
      return t('prepaid.till.used', { left: after.left, units: after.units });
    }),
  });
  const why = c.status !== 'active' ? t(`prepaid.status.${c.status}`) : !c.usable_here ? t('err.prepaid_not_here') : t('prepaid.validUntil', { date: lastDay(c.expires_at) });
  return h('li', { class: 'prepaid-card', testid: 'prepaid-card', dataset: { cardId: String(c.id) } },
    h('div', { class: 'prepaid-card-head' }, h('strong', { text: c.name }), left),
    h('p', { class: 'hint', text: why }),
    c.status === 'active' ? use : null,
    c.status === 'active' ? reasonBox(p, 'refund', c.id) : null);
}

/** Undo (the last action) or refund (one card): a small button that opens a reason form. */
function reasonBox(p, what, cardId) {
  const wrap = h('div', { class: 'undo', testid: `prepaid-${what}-section` });
  const isOpen = p.open && p.open.what === what && p.open.cardId === cardId;
  if (!isOpen) {
    wrap.append(h('button', {
      type: 'button', class: ['button', what === 'undo' ? 'button-warn' : 'button-ghost', 'button-small'], testid: `prepaid-${what}`, disabled: p.busy,
      text: t(`prepaid.till.${what}`), onclick: () => { p.open = { what, cardId }; draw(p); },
    }));
    return wrap;
  }
  const reason = field({ label: t(what === 'undo' ? 'staff.undoReason' : 'prepaid.till.refundReason'), hint: t('staff.undoHint'),
    input: h('input', { type: 'text', minlength: '3', maxlength: '200', required: true, autocomplete: 'off', testid: `prepaid-${what}-reason` }) });
  const error = h('p', { class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'stack undo-form', novalidate: true }, reason.row, error,
    h('div', { class: 'row-actions' },
      h('button', { type: 'submit', class: 'button button-warn', testid: `prepaid-${what}-confirm`, disabled: p.busy, text: t(`prepaid.till.${what}Confirm`) }),
      h('button', { type: 'button', class: 'button button-ghost', text: t('common.cancel'), onclick: () => { p.open = null; draw(p); } })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = reason.input.value.trim();
    if (text.length < 3) { error.textContent = t('staff.undoHint'); reason.input.focus(); return; }
    if (what === 'undo') act(p, 'undo', { entry_id: p.data.last_action.entry_id, reason: text }, () => t('prepaid.till.undone'));
    else act(p, 'refunds', { card_id: cardId, reason: text }, () => t('prepaid.till.refunded'));
  });
  wrap.append(form);
  queueMicrotask(() => reason.input.focus());
  return wrap;
}

/** One klippekort action with its own Idempotency-Key, reused when the answer was lost. */
async function act(p, path, fields, success, key = newIdempotencyKey(), attempt = 0) {
  p.busy = true;
  p.message = null;
  draw(p);
  try {
    const res = await api.post(`/api/staff/prepaid/${path}`, { scan_id: p.scanId, ...fields }, { idempotencyKey: key, signal: p.signal });
    p.data = res;
    p.open = null;
    p.message = { kind: 'success', text: success(res) };
    if (navigator.vibrate) navigator.vibrate(40);
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.code === 'idempotency_in_flight' && attempt < IN_FLIGHT_RETRIES) {
      setTimeout(() => { if (!p.signal.aborted) act(p, path, fields, success, key, attempt + 1); }, 1200);
      return;
    }
    p.message = { kind: 'error', text: errorMessage(err), retry: err.code === 'network' ? () => act(p, path, fields, success, key) : null };
  } finally {
    p.busy = false;
  }
  draw(p);
}
