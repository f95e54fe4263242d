// /admin/program/points: the owner's points program. Its rules (kroner per point, the refund window
// before purchase points can be used, how long points last, the reminder, points per action) and the
// reward catalogue (add one; change its cost or stock; take it out, or put it back).

import { checkbox, field, h } from '../../dom.js';
import { formatDate, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { parseKroner } from '../staff-result.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';
import { loadTeamScreen } from './team-common.js';
import { kronerText, osloDayStart, programNav } from './program-common.js';

const HERE = '/admin/program/points';
const ACTIONS = ['profile_completed', 'survey_answered', 'referral', 'birthday'];
const MAX_DAYS = 3650; // as digital_stampcard/points.py
const MAX_ACTION_POINTS = 100000;
const MAX_COST = 1000000;
const MAX_STOCK = 1000000;

export async function render(ctx) {
  ctx.setTitle(t('points.admin.title'));
  const wait = loading();
  ctx.main.append(wait);
  const data = await loadTeamScreen(ctx, wait, (signal) => api.get('/api/admin/points', { signal }), 'points.admin.title', '/admin');
  if (!data) return;
  wait.replaceWith(...[
    programNav(HERE),
    h('div', { class: 'admin-head' }, pageTitle(t('points.admin.title'))),
    h('p', { class: 'muted', text: t('points.admin.intro') }),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    programForm(ctx, data.program),
    data.program ? itemList(ctx, data.items) : null,
    data.program ? itemForm(ctx) : null,
  ].filter(Boolean));
}

const whole = (text) => (/^\s*\d{1,10}\s*$/.test(text) ? Number(text) : NaN);
const num = (testid, value, extra = {}) => h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', value: value == null ? '' : String(value), testid, ...extra });

function programForm(ctx, program) {
  const p = program || { name: t('points.admin.defaultName'), ore_per_point: 1000, action_points: {}, refund_window_days: 14, expiry_days: 365, reminder_days: 30, active: true };
  const errors = new FieldErrors(['name', 'ore_per_point', 'refund_window_days', 'expiry_days', 'reminder_days', ...ACTIONS]);
  const name = field({ label: t('points.admin.f.name'), hint: t('points.admin.f.nameHint'), input: h('input', { type: 'text', maxlength: '120', autocomplete: 'off', value: p.name, testid: 'points-name' }) });
  const kroner = field({ label: t('points.admin.f.kroner'), hint: t('points.admin.f.kronerHint'), input: h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', value: kronerText(p.ore_per_point), testid: 'points-kroner' }) });
  const refund = field({ label: t('points.admin.f.refund'), hint: t('points.admin.f.refundHint'), input: num('points-refund-days', p.refund_window_days) });
  const expiry = field({ label: t('points.admin.f.expiry'), hint: t('points.admin.f.expiryHint'), input: num('points-expiry-days', p.expiry_days) });
  const reminder = field({ label: t('points.admin.f.reminder'), hint: t('points.admin.f.reminderHint'), input: num('points-reminder-days', p.reminder_days) });
  const actions = ACTIONS.map((a) => [a, field({ label: t(`points.admin.action.${a}`), input: num(`points-action-${a}`, p.action_points[a] || 0) })]);
  const active = checkbox({ label: t('points.admin.f.active'), hint: t('points.admin.f.activeHint'), testid: 'points-active', checked: p.active });
  const pairs = [['name', name], ['ore_per_point', kroner], ['refund_window_days', refund], ['expiry_days', expiry], ['reminder_days', reminder], ...actions];
  for (const [key, one] of pairs) {
    one.row.append(errors.slot(key, one.input));
    one.input.addEventListener('input', () => errors.clear(key));
  }
  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'points-form-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'points-save', text: t(program ? 'points.admin.save' : 'points.admin.start') });
  const form = h('form', { class: 'card stack', novalidate: true, testid: 'points-form' },
    h('h2', { text: t('points.admin.rulesTitle') }),
    program ? null : h('p', { class: 'hint', testid: 'points-not-set-up', text: t('points.admin.notSetUp') }),
    name.row, kroner.row, refund.row, expiry.row, reminder.row,
    h('fieldset', { class: 'fieldset sub-fieldset' },
      h('legend', { text: t('points.admin.actionsTitle') }),
      h('p', { class: 'hint', text: t('points.admin.actionsHint') }),
      h('div', { class: 'points-actions' }, actions.map(([, one]) => one.row))),
    active.row, formError, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    formError.textContent = '';
    const body = {
      name: name.input.value.trim(),
      ore_per_point: parseKroner(kroner.input.value),
      action_points: Object.fromEntries(actions.map(([a, one]) => [a, whole(one.input.value || '0')])),
      refund_window_days: whole(refund.input.value),
      expiry_days: whole(expiry.input.value),
      reminder_days: whole(reminder.input.value),
      active: active.input.checked,
    };
    const days = (v, low) => Number.isInteger(v) && v >= low && v <= MAX_DAYS;
    if (!body.name || body.name.length > 120) errors.set('name', t('points.admin.err.name'));
    if (body.ore_per_point === null || body.ore_per_point < 1 || body.ore_per_point > 1000000) errors.set('ore_per_point', t('points.admin.err.kroner'));
    if (!days(body.refund_window_days, 0)) errors.set('refund_window_days', t('points.admin.err.days', { low: 0 }));
    if (!days(body.expiry_days, 1)) errors.set('expiry_days', t('points.admin.err.days', { low: 1 }));
    if (!days(body.reminder_days, 0)) errors.set('reminder_days', t('points.admin.err.days', { low: 0 }));
    else if (days(body.expiry_days, 1) && body.reminder_days >= body.expiry_days) errors.set('reminder_days', t('points.admin.err.reminder'));
    for (const a of ACTIONS) {
      const v = body.action_points[a];
      if (!Number.isInteger(v) || v > MAX_ACTION_POINTS) errors.set(a, t('points.admin.err.action'));
    }
    if (errors.any()) { errors.focusFirst(); return; }
    withBusy(submit, async () => {
      try {
        await api.put('/api/admin/points', body, { signal: ctx.signal });
        ctx.navigate(HERE, { replace: true, flash: program ? 'points.admin.saved' : 'points.admin.started' });
      } catch (err) {
        if (err.name !== 'AbortError') formError.textContent = ownerErrorMessage(err);
      }
    });
  });
  return form;
}

function itemList(ctx, items) {
  return h('section', { class: 'card stack', 'aria-labelledby': 'points-items-h' },
    h('h2', { id: 'points-items-h', text: t('points.admin.catalogue') }),
    items.length
      ? h('ul', { class: 'team-list', testid: 'points-item-list' }, items.map((item) => itemRow(ctx, item)))
      : h('p', { class: 'muted', testid: 'points-items-empty', text: t('points.admin.catalogueEmpty') }));
}

function dates(item) {
  if (!item.valid_from && !item.valid_until) return '';
  const from = item.valid_from ? t('points.admin.from', { date: formatDate(item.valid_from) }) : '';
  const until = item.valid_until ? t('points.admin.until', { date: formatDate(new Date(Date.parse(item.valid_until) - 1)) }) : '';
  return ` · ${[from, until].filter(Boolean).join(' ')}`;
}

function itemRow(ctx, item) {
  const errors = new FieldErrors(['cost', 'stock']);
  const cost = field({ label: t('points.admin.f.cost'), input: num('points-item-cost', item.cost) });
  const stock = field({ label: t('points.admin.f.stock'), hint: t('points.admin.f.stockHint'), input: num('points-item-stock', item.stock) });
  for (const [key, one] of [['cost', cost], ['stock', stock]]) {
    one.row.append(errors.slot(key, one.input));
    one.input.addEventListener('input', () => errors.clear(key));
  }
  const message = h('p', { class: 'form-error', role: 'alert', testid: 'points-item-error' });
  const save = h('button', { type: 'submit', class: 'button button-small', testid: 'points-item-save', text: t('points.admin.saveItem') });
  const toggle = h('button', {
    type: 'button', class: ['button', 'button-small', item.active ? 'button-ghost' : null], testid: item.active ? 'points-item-remove' : 'points-item-restore',
    text: t(item.active ? 'points.admin.remove' : 'points.admin.restore'),
  });
  const patch = (button, body, flash) => withBusy(button, async () => {
    message.textContent = '';
    try {
      await api.patch(`/api/admin/points/items/${item.id}`, body, { signal: ctx.signal });
      ctx.navigate(HERE, { replace: true, flash });
    } catch (err) {
      if (err.name !== 'AbortError') message.textContent = ownerErrorMessage(err);
    }
  });
  toggle.addEventListener('click', () => patch(toggle, { active: !item.active }, item.active ? 'points.admin.removed' : 'points.admin.restored'));
  const form = h('form', { class: 'points-item-edit', novalidate: true }, cost.row, stock.row, h('div', { class: 'row-actions' }, save, toggle));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    const body = { cost: whole(cost.input.value), stock: stock.input.value.trim() === '' ? null : whole(stock.input.value) };
    if (!Number.isInteger(body.cost) || body.cost < 1 || body.cost > MAX_COST) errors.set('cost', t('points.admin.err.cost'));
    if (body.stock !== null && !(Number.isInteger(body.stock) && body.stock <= MAX_STOCK)) errors.set('stock', t('points.admin.err.stock'));
    if (errors.any()) { errors.focusFirst(); return; }
    patch(save, body, 'points.admin.itemSaved');
  });
  const stockText = item.stock == null ? t('points.admin.noLimit') : t('points.admin.inStock', { n: item.stock });
  return h('li', { class: 'team-item', testid: 'points-admin-item', dataset: { itemId: String(item.id) } },
    h('span', { class: 'team-item-head' },
      h('span', { class: 'team-item-title', text: item.name }),
      h('span', { class: ['chip', item.active ? 'chip-sent' : 'chip-cancelled'], text: t(item.active ? 'points.admin.inCatalogue' : 'points.admin.out') })),
    h('span', { class: 'team-item-line', testid: 'points-item-summary', text: `${t('points.cost', { n: item.cost })} · ${stockText}${dates(item)}` }),
    form, message);
}

function itemForm(ctx) {
  const errors = new FieldErrors(['name', 'cost', 'stock', 'picture_url', 'valid_from', 'valid_until']);
  const name = field({ label: t('points.admin.f.itemName'), input: h('input', { type: 'text', maxlength: '120', autocomplete: 'off', placeholder: t('points.admin.f.itemNamePlaceholder'), testid: 'points-new-name' }) });
  const cost = field({ label: t('points.admin.f.cost'), input: num('points-new-cost', '', { placeholder: '100' }) });
  const stock = field({ label: t('points.admin.f.stock'), hint: t('points.admin.f.stockHint'), input: num('points-new-stock', '') });
  const picture = field({ label: t('points.admin.f.picture'), hint: t('points.admin.f.pictureHint'), input: h('input', { type: 'text', inputmode: 'url', autocomplete: 'off', placeholder: '/bilder/bolle.jpg', testid: 'points-new-picture' }) });
  const from = field({ label: t('points.admin.f.validFrom'), input: h('input', { type: 'date', testid: 'points-new-from' }) });
  const until = field({ label: t('points.admin.f.validUntil'), hint: t('points.admin.f.datesHint'), input: h('input', { type: 'date', testid: 'points-new-until' }) });
  const pairs = [['name', name], ['cost', cost], ['stock', stock], ['picture_url', picture], ['valid_from', from], ['valid_until', until]];
  for (const [key, one] of pairs) {
    one.row.append(errors.slot(key, one.input));
    one.input.addEventListener('input', () => errors.clear(key));
  }
  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'points-item-form-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'points-item-create', text: t('points.admin.addItem') });
  const form = h('form', { class: 'card stack', novalidate: true, testid: 'points-item-form' },
    h('h2', { text: t('points.admin.newItem') }), ...pairs.map(([, one]) => one.row), formError, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    formError.textContent = '';
    const url = picture.input.value.trim();
    const body = {
      name: name.input.value.trim(),
      cost: whole(cost.input.value),
      picture_url: url,
      stock: stock.input.value.trim() === '' ? null : whole(stock.input.value),
      valid_from: osloDayStart(from.input.value),
      valid_until: osloDayStart(until.input.value, { after: true }),
    };
    if (!body.name || body.name.length > 120) errors.set('name', t('points.admin.err.itemName'));
    if (!Number.isInteger(body.cost) || body.cost < 1 || body.cost > MAX_COST) errors.set('cost', t('points.admin.err.cost'));
    if (body.stock !== null && !(Number.isInteger(body.stock) && body.stock <= MAX_STOCK)) errors.set('stock', t('points.admin.err.stock'));
    if (url && !/^(https:\/\/\S+|\/\S*)$/.test(url)) errors.set('picture_url', t('points.admin.err.picture'));
    if (body.valid_from === undefined) errors.set('valid_from', t('points.admin.err.date'));
    if (body.valid_until === undefined) errors.set('valid_until', t('points.admin.err.date'));
    else if (body.valid_from && body.valid_until && Date.parse(body.valid_until) <= Date.parse(body.valid_from)) errors.set('valid_until', t('points.admin.err.dates'));
    if (errors.any()) { errors.focusFirst(); return; }
    withBusy(submit, async () => {
      try {
        await api.post('/api/admin/points/items', body, { signal: ctx.signal });
        ctx.navigate(HERE, { replace: true, flash: 'points.admin.itemAdded' });
      } catch (err) {
        if (err.name !== 'AbortError') formError.textContent = ownerErrorMessage(err);
      }
    });
  });
  return form;
}
