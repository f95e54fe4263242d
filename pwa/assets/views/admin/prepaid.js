// /admin/program/prepaid: the owner's klippekort. The products (end one; add one: name, units,
// price, days valid after the sale, stores), what is owed (the liability per month and store, and
// its CSV for the accountant), and the latest sales and uses with a void for a mistake.

import { field, h } from '../../dom.js';
import { formatDateTime, t } from '../../i18n.js';
import { api, newIdempotencyKey } from '../../api.js';
import { formatMemberNumber, loading, notice, pageTitle, withBusy } from '../../ui.js';
import { parseKroner } from '../staff-result.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';
import { loadTeamScreen } from './team-common.js';
import { formatKroner, programNav } from './program-common.js';

const HERE = '/admin/program/prepaid';
const FIELDS = ['name', 'units', 'price_ore', 'valid_days', 'store_ids'];

export async function render(ctx) {
  ctx.setTitle(t('prepaid.admin.title'));
  const wait = loading();
  ctx.main.append(wait);
  const data = await loadTeamScreen(ctx, wait, (signal) => Promise.all([
    api.get('/api/admin/prepaid/products', { signal }),
    api.get('/api/admin/stores', { signal }),
    api.get('/api/admin/prepaid/liability', { signal }),
    api.get('/api/admin/prepaid/entries?limit=20', { signal }),
  ]), 'prepaid.admin.title', '/admin');
  if (!data) return;
  const [products, stores, liability, entries] = data;
  wait.replaceWith(...[
    programNav(HERE),
    h('div', { class: 'admin-head' }, pageTitle(t('prepaid.admin.title'))),
    h('p', { class: 'muted', text: t('prepaid.admin.intro') }),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    productList(ctx, products.products, stores.stores),
    productForm(ctx, stores.stores),
    liabilitySection(liability),
    entrySection(ctx, entries.entries),
  ].filter(Boolean));
}

function productList(ctx, products, stores) {
  if (!products.length) return h('p', { class: 'muted', testid: 'prepaid-empty', text: t('prepaid.admin.empty') });
  return h('ul', { class: 'card team-list', testid: 'prepaid-product-list' }, products.map((p) => {
    const names = p.store_ids.map((id) => (stores.find((s) => s.id === id) || { name: `#${id}` }).name);
    const message = h('p', { class: 'form-error', role: 'alert' });
    const end = p.active ? h('button', { type: 'button', class: 'button button-small button-ghost', testid: 'prepaid-end', text: t('prepaid.admin.end') }) : null;
    if (end) {
      end.addEventListener('click', () => withBusy(end, async () => {
        try {
          await api.post(`/api/admin/prepaid/products/${p.id}/end`, undefined, { signal: ctx.signal });
          ctx.navigate(HERE, { replace: true, flash: 'prepaid.admin.ended' });
        } catch (err) {
          if (err.name !== 'AbortError') message.textContent = ownerErrorMessage(err);
        }
      }));
    }
    return h('li', { class: 'team-item', testid: 'prepaid-product', dataset: { productId: String(p.id) } },
      h('span', { class: 'team-item-head' },
        h('span', { class: 'team-item-title', text: p.name }),
        h('span', { class: ['chip', p.active ? 'chip-sent' : 'chip-cancelled'], text: t(p.active ? 'prepaid.admin.onSale' : 'prepaid.admin.notOnSale') })),
      h('span', { class: 'team-item-line', testid: 'prepaid-product-summary',
        text: t('prepaid.admin.summary', { units: p.units, price: formatKroner(p.price_ore), days: p.valid_days }) }),
      h('span', { class: 'team-item-line muted', text: names.length ? names.join(', ') : t('program.allStores') }),
      end ? h('div', { class: 'row-actions' }, end) : null,
      message);
  }));
}

function productForm(ctx, stores) {
  const errors = new FieldErrors(FIELDS);
  const num = (testid, value, max) => h('input', { type: 'number', inputmode: 'numeric', step: '1', min: '1', max, value, testid });
  const name = field({ label: t('prepaid.admin.f.name'), input: h('input', { type: 'text', maxlength: '120', autocomplete: 'off', placeholder: t('prepaid.admin.f.namePlaceholder'), testid: 'prepaid-name' }) });
  const units = field({ label: t('prepaid.admin.f.units'), input: num('prepaid-units', '10', '100') });
  const price = field({ label: t('prepaid.admin.f.price'), hint: t('prepaid.admin.f.priceHint'), input: h('input', { type: 'text', inputmode: 'decimal', placeholder: '300', testid: 'prepaid-price' }) });
  const days = field({ label: t('prepaid.admin.f.days'), hint: t('prepaid.admin.f.daysHint'), input: num('prepaid-days', '90', '3660') });
  const chosen = new Set();
  const storeGroup = h('fieldset', { class: 'fieldset sub-fieldset' },
    h('legend', { text: t('prepaid.admin.f.stores') }),
    h('p', { class: 'hint', text: t('program.f.storesHint') }),
    h('div', { class: 'check-grid' }, stores.map((s) => {
      const id = `prepaid-store-${s.id}`;
      const input = h('input', { type: 'checkbox', id, testid: id });
      input.addEventListener('change', () => { if (input.checked) chosen.add(s.id); else chosen.delete(s.id); });
      return h('div', { class: 'check' }, input, h('div', { class: 'check-text' }, h('label', { for: id, text: s.name })));
    })));
  for (const [key, one] of [['name', name], ['units', units], ['price_ore', price], ['valid_days', days]]) {
    one.row.append(errors.slot(key, one.input));
    one.input.addEventListener('input', () => errors.clear(key));
  }
  storeGroup.append(errors.slot('store_ids', storeGroup));
  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'prepaid-form-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'prepaid-create', text: t('prepaid.admin.create') });
  const form = h('form', { class: 'card stack', novalidate: true, testid: 'prepaid-form' },
    h('h2', { text: t('prepaid.admin.newTitle') }), name.row, units.row, price.row, days.row, storeGroup, formError, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    formError.textContent = '';
    const body = {
      name: name.input.value.trim(),
      units: Number(units.input.value),
      price_ore: parseKroner(price.input.value),
      valid_days: Number(days.input.value),
      store_ids: [...chosen].sort((a, b) => a - b),
    };
    if (!body.name) errors.set('name', t('prepaid.admin.err.name'));
    if (!Number.isInteger(body.units) || body.units < 1 || body.units > 100) errors.set('units', t('prepaid.admin.err.units'));
    if (body.price_ore === null) errors.set('price_ore', t('program.err.kroner'));
    if (!Number.isInteger(body.valid_days) || body.valid_days < 1 || body.valid_days > 3660) errors.set('valid_days', t('prepaid.admin.err.days'));
    if (errors.any()) { errors.focusFirst(); return; }
    withBusy(submit, async () => {
      try {
        await api.post('/api/admin/prepaid/products', body, { signal: ctx.signal });
        ctx.navigate(HERE, { replace: true, flash: 'prepaid.admin.created' });
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (errors.fromServer(err, () => ownerErrorMessage(err))) { errors.focusFirst(); return; }
        formError.textContent = ownerErrorMessage(err);
      }
    });
  });
  return form;
}

function liabilitySection(rows) {
  const latest = new Map(); // store -> its latest month's row: what is owed now
  for (const r of rows) latest.set(r.store, r);
  const owed = [...latest.values()];
  return h('section', { class: 'card stack', testid: 'prepaid-liability', 'aria-labelledby': 'prepaid-liability-h' },
    h('h2', { id: 'prepaid-liability-h', text: t('prepaid.admin.liability') }),
    h('p', { class: 'hint', text: t('prepaid.admin.liabilityHint') }),
    owed.length
      ? h('ul', { class: 'plain-list' }, owed.map((r) => h('li', { testid: 'prepaid-owed', dataset: { store: r.store },
        text: t('prepaid.admin.owed', { store: r.store, units: r.outstanding_units, amount: formatKroner(r.outstanding_ore) }) })))
      : h('p', { class: 'muted', text: t('prepaid.admin.nothingOwed') }),
    h('a', { class: 'csv-link', href: '/api/admin/prepaid/liability.csv', download: '', testid: 'prepaid-liability-csv', text: t('prepaid.admin.csv') }));
}

function entrySection(ctx, entries) {
  return h('section', { class: 'card stack', 'aria-labelledby': 'prepaid-entries-h' },
    h('h2', { id: 'prepaid-entries-h', text: t('prepaid.admin.entries') }),
    entries.length
      ? h('ul', { class: 'team-list', testid: 'prepaid-entries' }, entries.map((e) => entryRow(ctx, e)))
      : h('p', { class: 'muted', text: t('prepaid.admin.noEntries') }));
}

function entryRow(ctx, e) {
  const row = h('li', { class: 'team-item', testid: 'prepaid-entry', dataset: { entryId: String(e.id), kind: e.kind } },
    h('span', { class: 'team-item-head' },
      h('span', { class: 'team-item-title', text: `${t(`prepaid.kind.${e.kind}`)} · ${e.card_name}` }),
      e.reversed_by ? h('span', { class: 'chip chip-cancelled', text: t('prepaid.admin.reversed') }) : null),
    h('span', { class: 'team-item-line', text: [formatDateTime(e.at), e.store, e.staff].filter(Boolean).join(' · ') }),
    h('span', { class: 'team-item-line muted', text: `${t('staff.memberNo', { n: formatMemberNumber(e.member_number) })}${e.reason ? ` · ${e.reason}` : ''}` }));
  if (e.voidable) row.append(voidForm(ctx, e));
  return row;
}

function voidForm(ctx, e) {
  const wrap = h('div', { class: 'stack' });
  const open = h('button', { type: 'button', class: 'button button-small button-ghost', testid: 'prepaid-void-open', text: t('prepaid.admin.void') });
  const reason = field({ label: t('prepaid.admin.voidReason'), hint: t('staff.undoHint'),
    input: h('input', { type: 'text', minlength: '3', maxlength: '200', autocomplete: 'off', testid: 'prepaid-void-reason' }) });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button button-small button-warn', testid: 'prepaid-void', text: t('prepaid.admin.void') });
  const form = h('form', { class: 'stack', novalidate: true, hidden: true }, reason.row, error, h('div', { class: 'row-actions' }, submit));
  open.addEventListener('click', () => { open.hidden = true; form.hidden = false; reason.input.focus(); });
  let key = null; // kept after a lost answer, so the retry voids once
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = reason.input.value.trim();
    if (text.length < 3) { error.textContent = t('staff.undoHint'); reason.input.focus(); return; }
    key ||= newIdempotencyKey();
    withBusy(submit, async () => {
      try {
        await api.post('/api/admin/prepaid/voids', { entry_id: e.id, reason: text }, { idempotencyKey: key, signal: ctx.signal });
        ctx.navigate(HERE, { replace: true, flash: 'prepaid.admin.voided' });
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (err.code !== 'network') key = null;
        error.textContent = ownerErrorMessage(err);
      }
    });
  });
  wrap.append(open, form);
  return wrap;
}
