// /admin/program: the stamp card programs — the list, and a form to change one
// or add a new one (stamps per card, reward and its value, validity, stamping by
// visit or by amount, daily cap, stores, first and last day). A change applies to
// new cards only, and the screen says so.

import { field, h } from '../../dom.js';
import { formatDate, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { parseKroner } from '../staff-result.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';
import { loadTeamScreen } from './team-common.js';
import { formatKroner, kronerText, osloDay, osloDayStart, programNav } from './program-common.js';

const FIELDS = ['name', 'capacity', 'reward_text', 'reward_value_ore', 'reward_valid_days', 'stamp_basis', 'ore_per_stamp', 'daily_cap', 'store_ids', 'starts_at', 'ends_at'];

export async function render(ctx) {
  ctx.setTitle(t('program.title'));
  const wait = loading();
  ctx.main.append(wait);
  const data = await loadTeamScreen(ctx, wait, (signal) => api.get('/api/admin/programs', { signal }), 'program.title', '/admin');
  if (!data) return;
  const editing = ctx.query.get('edit');
  const chosen = editing === 'new' ? null : data.programs.find((p) => String(p.id) === editing) || null;
  const showForm = editing === 'new' || chosen;
  wait.replaceWith(...[
    programNav('/admin/program'),
    h('div', { class: 'admin-head admin-head-row' }, pageTitle(t('program.title')),
      showForm ? null : h('a', { class: 'button button-primary button-small', href: '/admin/program?edit=new', testid: 'program-new' },
        h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { text: t('program.new') }))),
    notice('info', t('program.newCardsOnly'), { live: false, testid: 'program-new-cards-only' }),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    showForm ? programForm(ctx, chosen, data.stores) : programList(ctx, data),
  ].filter(Boolean));
}

function programList(ctx, data) {
  if (!data.programs.length) return h('p', { class: 'muted', testid: 'program-empty', text: t('program.empty') });
  return h('ul', { class: 'card team-list program-list', testid: 'program-list' }, data.programs.map((p) => programRow(ctx, p, data.stores)));
}

function stateOf(p) {
  if (!p.active) return 'off';
  if (p.in_effect) return 'on';
  return p.starts_at && Date.parse(p.starts_at) > Date.now() ? 'planned' : 'ended';
}

function programRow(ctx, p, stores) {
  const state = stateOf(p);
  const chipKind = { on: 'sent', planned: 'scheduled', ended: 'cancelled', off: 'cancelled' }[state];
  const names = p.store_ids.map((id) => (stores.find((s) => s.id === id) || { name: `#${id}` }).name);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const toggle = h('button', {
    type: 'button', class: ['button', 'button-small', p.active ? 'button-ghost' : null], testid: p.active ? 'program-deactivate' : 'program-activate',
    text: t(p.active ? 'program.deactivate' : 'program.activate'),
  });
  toggle.addEventListener('click', () => withBusy(toggle, async () => {
    message.textContent = '';
    try {
      await api.post(`/api/admin/programs/${p.id}/${p.active ? 'deactivate' : 'activate'}`, undefined, { signal: ctx.signal });
      ctx.navigate('/admin/program', { replace: true, flash: p.active ? 'program.deactivated' : 'program.activated' });
    } catch (err) {
      if (err.name !== 'AbortError') message.textContent = ownerErrorMessage(err);
    }
  }));
  return h('li', { class: 'team-item', testid: 'program-item', dataset: { programId: String(p.id) } },
    h('span', { class: 'team-item-head' },
      h('span', { class: 'team-item-title', text: p.name }),
      h('span', { class: ['chip', `chip-${chipKind}`], testid: 'program-state', dataset: { state }, text: t(`program.state.${state}`) })),
    h('span', { class: 'team-item-line', testid: 'program-summary',
      text: t('program.summary', { n: p.capacity, reward: p.reward_text }) + (p.reward_value_ore ? ` (${formatKroner(p.reward_value_ore)})` : '') }),
    h('span', { class: 'team-item-line', text: p.stamp_basis === 'amount'
      ? t('program.byAmountLine', { amount: formatKroner(p.ore_per_stamp) }) : t('program.byVisitLine') }),
    h('span', { class: 'team-item-line muted', text: `${names.length ? names.join(', ') : t('program.allStores')} · ${datesText(p)}` }),
    p.open_cards ? h('span', { class: 'team-item-line muted', testid: 'program-open-cards', text: t('program.openCards', { n: p.open_cards }) }) : null,
    h('div', { class: 'row-actions' },
      h('a', { class: 'button button-small', href: `/admin/program?edit=${p.id}`, testid: 'program-edit', text: t('program.edit') }),
      toggle),
    message);
}

function datesText(p) {
  const day = (iso, opts) => formatDate(`${osloDay(iso, opts)}T12:00:00Z`, { day: 'numeric', month: 'short', year: 'numeric' });
  if (!p.starts_at && !p.ends_at) return t('program.noDates');
  if (!p.ends_at) return t('program.from', { date: day(p.starts_at) });
  if (!p.starts_at) return t('program.until', { date: day(p.ends_at, { lastDay: true }) });
  return t('program.between', { from: day(p.starts_at), to: day(p.ends_at, { lastDay: true }) });
}

// The form is built from its sections; `f` holds what they share (the program, its fields, the
// chosen basis and stores, the error slots, the button) so each step below is a function of its own.
function programForm(ctx, p, stores) {
  const f = {
    ctx, p,
    errors: new FieldErrors(FIELDS),
    basis: p ? p.stamp_basis : 'visit',
    chosenStores: new Set(p ? p.store_ids : []),
    fields: programFields(p),
  };
  const basisGroup = basisSection(f);
  const storeGroup = storesSection(f, stores);
  const dates = datesSection(f);
  errorSlots(f, storeGroup);
  const { name, capacity, rewardText, rewardValue, validDays, dailyCap } = f.fields;
  f.formError = h('p', { class: 'form-error', role: 'alert', testid: 'program-form-error' });
  f.submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'program-save', text: t(p ? 'program.save' : 'program.create') });
  const cancel = h('a', { class: 'button button-ghost button-block', href: '/admin/program', testid: 'program-cancel', text: t('common.cancel') });
  const form = h('form', { class: 'card stack', novalidate: true, testid: 'program-form' },
    h('h2', { text: p ? t('program.editTitle', { name: p.name }) : t('program.newTitle') }),
    p && p.open_cards ? notice('info', t('program.openCardsKeep', { n: p.open_cards }), { live: false, testid: 'program-open-cards-note' }) : null,
    name.row, capacity.row, rewardText.row, rewardValue.row, validDays.row, basisGroup, dailyCap.row, storeGroup, dates,
    f.formError, f.submit, cancel);
  form.addEventListener('submit', (event) => { event.preventDefault(); submitted(f); });
  queueMicrotask(() => name.input.focus());
  return form;
}

// ---- the fields: what a card holds and gives, and the amount a stamp costs

function programFields(p) {
  const num = (testid, value, attrs = {}) => h('input', { type: 'number', inputmode: 'numeric', step: '1', value: String(value), testid, ...attrs });
  return {
    name: field({ label: t('program.f.name'), input: h('input', { type: 'text', maxlength: '120', required: true, value: p ? p.name : '', autocomplete: 'off', testid: 'program-name' }) }),
    capacity: field({ label: t('program.f.capacity'), hint: t('program.f.capacityHint'), input: num('program-capacity', p ? p.capacity : 10, { min: '1', max: '50' }) }),
    rewardText: field({ label: t('program.f.reward'), input: h('input', { type: 'text', maxlength: '120', value: p ? p.reward_text : t('program.f.rewardDefault'), testid: 'program-reward-text' }) }),
    rewardValue: field({ label: t('program.f.value'), hint: t('program.f.valueHint'), input: h('input', { type: 'text', inputmode: 'decimal', value: p ? kronerText(p.reward_value_ore) : '', placeholder: '45', testid: 'program-reward-value' }) }),
    validDays: field({ label: t('program.f.validDays'), input: num('program-valid-days', p ? p.reward_valid_days : 30, { min: '1', max: '3650' }) }),
    dailyCap: field({ label: t('program.f.dailyCap'), hint: t('program.f.dailyCapHint'), input: num('program-daily-cap', p ? p.daily_cap : 3, { min: '1', max: '100' }) }),
    perStamp: field({ label: t('program.f.perStamp'), hint: t('program.f.perStampHint'), input: h('input', { type: 'text', inputmode: 'decimal', value: kronerText(p ? p.ore_per_stamp : 10000), testid: 'program-per-stamp' }) }),
  };
}

// ---- stamps by visit or by amount; the amount per stamp shows only for the latter

function basisSection(f) {
  const { perStamp } = f.fields;
  const drawBasis = () => { perStamp.row.hidden = f.basis !== 'amount'; };
  const basisRadio = (value) => {
    const id = `program-basis-${value}`;
    const input = h('input', { type: 'radio', name: 'stamp_basis', id, value, checked: f.basis === value, testid: id });
    input.addEventListener('change', () => { if (input.checked) { f.basis = value; drawBasis(); } });
    return h('span', { class: 'segmented-item' }, input, h('label', { for: id, text: t(`program.f.basis.${value}`) }));
  };
  const group = h('fieldset', { class: 'fieldset sub-fieldset' },
    h('legend', { text: t('program.f.basis') }),
    h('div', { class: 'segmented' }, basisRadio('visit'), basisRadio('amount')),
    perStamp.row);
  drawBasis();
  return group;
}

// ---- the stores the card is stamped in (none ticked: all of them)

function storesSection(f, stores) {
  const { chosenStores, errors } = f;
  const storeBoxes = stores.map((s) => {
    const id = `program-store-${s.id}`;
    const input = h('input', { type: 'checkbox', id, checked: chosenStores.has(s.id), testid: `program-store-${s.id}` });
    input.addEventListener('change', () => { if (input.checked) chosenStores.add(s.id); else chosenStores.delete(s.id); errors.clear('store_ids'); });
    return h('div', { class: 'check' }, input, h('div', { class: 'check-text' }, h('label', { for: id, text: s.name })));
  });
  return h('fieldset', { class: 'fieldset sub-fieldset', testid: 'program-stores' },
    h('legend', { text: t('program.f.stores') }),
    h('p', { class: 'hint', text: t('program.f.storesHint') }),
    h('div', { class: 'check-grid' }, storeBoxes));
}

// ---- the first and the last day, on Oslo's calendar

function datesSection(f) {
  const { p } = f;
  f.fields.starts = field({ label: t('program.f.starts'), input: h('input', { type: 'date', value: p ? osloDay(p.starts_at) : '', testid: 'program-starts' }) });
  f.fields.ends = field({ label: t('program.f.ends'), input: h('input', { type: 'date', value: p ? osloDay(p.ends_at, { lastDay: true }) : '', testid: 'program-ends' }) });
  return h('fieldset', { class: 'fieldset sub-fieldset' },
    h('legend', { text: t('program.f.dates') }),
    h('div', { class: 'date-pair' }, f.fields.starts.row, f.fields.ends.row),
    h('p', { class: 'hint', text: t('program.f.datesHint') }));
}

/** Each field's error slot under it, emptied as soon as the field is typed in. */
function errorSlots(f, storeGroup) {
  const { errors, fields } = f;
  for (const [key, one] of [['name', fields.name], ['capacity', fields.capacity], ['reward_text', fields.rewardText], ['reward_value_ore', fields.rewardValue],
    ['reward_valid_days', fields.validDays], ['ore_per_stamp', fields.perStamp], ['daily_cap', fields.dailyCap], ['starts_at', fields.starts], ['ends_at', fields.ends]]) {
    one.row.append(errors.slot(key, one.input));
    one.input.addEventListener('input', () => errors.clear(key));
  }
  storeGroup.append(errors.slot('store_ids', storeGroup));
}

// ---- submit: the request body, the checks the phone can make, then saving

function submitted(f) {
  f.errors.clear();
  f.formError.textContent = '';
  const body = requestBody(f);
  checkBody(f, body);
  if (f.errors.any()) { f.errors.focusFirst(); return; }
  save(f, body);
}

/** A whole number from a field, or null with the field's error set. */
function wholeNumber(f, one, key, messageKey) {
  const n = Number(one.input.value);
  if (one.input.value.trim() === '' || !Number.isInteger(n)) { f.errors.set(key, t(messageKey)); return null; }
  return n;
}

function requestBody(f) {
  const { name, capacity, rewardText, rewardValue, validDays, dailyCap, starts, ends } = f.fields;
  return {
    name: name.input.value,
    capacity: wholeNumber(f, capacity, 'capacity', 'err.program_capacity_invalid'),
    reward_text: rewardText.input.value,
    reward_value_ore: rewardValue.input.value.trim() === '' ? 0 : parseKroner(rewardValue.input.value),
    reward_valid_days: wholeNumber(f, validDays, 'reward_valid_days', 'err.program_validity_invalid'),
    stamp_basis: f.basis,
    daily_cap: wholeNumber(f, dailyCap, 'daily_cap', 'err.program_cap_invalid'),
    store_ids: [...f.chosenStores].sort((a, b) => a - b),
    starts_at: osloDayStart(starts.input.value),
    ends_at: osloDayStart(ends.input.value, { after: true }),
  };
}

/** The checks before asking the server; by amount, the body gets its `ore_per_stamp` here. */
function checkBody(f, body) {
  const { errors } = f;
  if (!body.name.trim()) errors.set('name', t('err.program_name_invalid'));
  if (body.capacity !== null && (body.capacity < 1 || body.capacity > 50)) errors.set('capacity', t('err.program_capacity_invalid'));
  if (body.daily_cap !== null && body.daily_cap < 1) errors.set('daily_cap', t('err.program_cap_invalid'));
  if (body.reward_value_ore === null) errors.set('reward_value_ore', t('program.err.kroner'));
  if (f.basis === 'amount') {
    body.ore_per_stamp = parseKroner(f.fields.perStamp.input.value);
    if (!body.ore_per_stamp || body.ore_per_stamp < 100) errors.set('ore_per_stamp', t('err.program_amount_invalid'));
  }
  if (body.starts_at === undefined) errors.set('starts_at', t('program.err.date'));
  if (body.ends_at === undefined) errors.set('ends_at', t('program.err.date'));
  if (body.starts_at && body.ends_at && Date.parse(body.ends_at) <= Date.parse(body.starts_at)) errors.set('ends_at', t('err.program_dates_invalid'));
}

function save(f, body) {
  const { ctx, p, errors } = f;
  withBusy(f.submit, async () => {
    try {
      if (p) await api.patch(`/api/admin/programs/${p.id}`, body, { signal: ctx.signal });
      else await api.post('/api/admin/programs', body, { signal: ctx.signal });
      ctx.navigate('/admin/program', { flash: p ? 'program.saved' : 'program.created' });
    } catch (err) {
      if (err.name === 'AbortError') return;
      const other = err.code === 'program_overlap' && err.body && err.body.other;
      const message = other ? t('program.err.overlap', { name: other }) : ownerErrorMessage(err);
      if (errors.fromServer(err, () => message)) { errors.focusFirst(); return; }
      f.formError.textContent = message;
    }
  });
}
