// /admin/staff/invite (?store=id) and /admin/staff/{id}: invite a person by
// e-mail, or change an account's name, e-mail, role and store, send a link for a
// new password (the old one stops working at once), and turn the account off/on.

import { field, h, nextId } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';
import { ROLES, backLink, confirmBox, loadTeamScreen, roleName, statusChip } from './team-common.js';

export async function render(ctx) {
  const id = ctx.params.id;
  ctx.setTitle(t(id ? 'team.account.title' : 'team.invite.title'));
  const wait = loading();
  ctx.main.append(wait);
  const loaded = await loadTeamScreen(ctx, wait, (signal) => Promise.all([
    api.get('/api/admin/stores', { signal }),
    id ? api.get(`/api/admin/staff/${id}`, { signal }) : null,
  ]), id ? 'team.account.title' : 'team.invite.title');
  if (!loaded) return;
  const [stores, account] = loaded;
  if (!account) {
    wait.replaceWith(backLink(), pageTitle(t('team.invite.title')), h('p', { class: 'lead', text: t('team.invite.lead') }),
      personForm(ctx, { stores: stores.stores, storeId: Number(ctx.query.get('store')) || null }));
    return;
  }
  ctx.setTitle(account.name);
  wait.replaceWith(...[
    backLink(),
    h('div', { class: 'admin-head admin-head-row' }, pageTitle(account.name), statusChip(account.status)),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    h('dl', { class: 'facts card' },
      h('dt', { text: t('team.account.username') }), h('dd', { testid: 'staff-username-value', text: `@${account.username}` }),
      h('dt', { text: t('team.account.devices') }), h('dd', { testid: 'staff-devices', text: t('team.devices', { n: account.devices_signed_in }) })),
    account.status === 'reset_pending' ? notice('info', t('team.account.resetPending'), { live: false }) : null,
    personForm(ctx, { stores: stores.stores, account }),
    accessCard(ctx, account),
  ].filter(Boolean));
}

// The form is built from its sections; `f` holds what they share (the account or none, the chosen
// role and language, the fields, the error slots, the button) so each step below is its own function.
function personForm(ctx, { stores, account = null, storeId = null }) {
  const f = {
    ctx, account,
    role: account ? account.role : 'staff',
    lang: getLang(),
    errors: new FieldErrors(['name', 'email', 'role', 'store_id']),
  };
  const [name, email] = nameAndEmail(f);
  const roleFieldset = roleSection(f);
  const storeRow = storeSection(f, stores, storeId);
  const langRow = account ? null : langField(f);
  f.formError = h('p', { class: 'form-error', role: 'alert', testid: 'staff-form-error' });
  f.submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'staff-save', text: t(account ? 'team.account.save' : 'team.invite.send') });
  const form = h('form', { class: 'card stack', novalidate: true },
    name, email, roleFieldset, storeRow, langRow, f.formError, f.submit);
  form.addEventListener('submit', (event) => { event.preventDefault(); submitted(f); });
  return form;
}

function nameAndEmail(f) {
  const { account, errors } = f;
  f.name = field({ label: t('team.invite.name'), input: h('input', { type: 'text', maxlength: '120', required: true, autocomplete: 'off', value: account ? account.name : '', testid: 'staff-name' }) });
  f.email = field({
    label: t('team.invite.email'), hint: account ? t('team.account.emailHint') : t('team.invite.emailHint'),
    input: h('input', { type: 'email', maxlength: '254', required: !account, autocomplete: 'off', inputmode: 'email', value: account ? account.email || '' : '', testid: 'staff-email' }),
  });
  f.name.row.append(errors.slot('name', f.name.input));
  f.email.row.append(errors.slot('email', f.email.input));
  return [f.name.row, f.email.row];
}

function roleSection(f) {
  const roleId = nextId('role');
  const group = h('div', { class: 'radio-cards', role: 'radiogroup', 'aria-labelledby': roleId },
    ROLES.map((r) => {
      const inputId = nextId('r');
      const input = h('input', { type: 'radio', name: 'role', id: inputId, value: r, checked: r === f.role, testid: `staff-role-${r}`,
        onchange: () => roleChosen(f, r) });
      return h('div', { class: 'check radio-card' }, input, h('div', { class: 'check-text' },
        h('label', { for: inputId, text: roleName(r) }), h('span', { class: 'hint', text: t(`team.role.${r}Hint`) })));
    }));
  return h('fieldset', { class: 'fieldset' }, h('legend', { id: roleId, text: t('team.invite.role') }), group,
    f.errors.slot('role', group));
}

/** An owner may have no store; the store's hint says so once that role is picked. */
function roleChosen(f, role) {
  f.role = role;
  f.storeRow.hidden = false;
  f.storeHint.textContent = t(role === 'owner' ? 'team.invite.storeOwnerHint' : 'team.invite.storeHint');
}

function storeSection(f, stores, storeId) {
  const { account } = f;
  const current = account ? (account.store ? account.store.id : null) : storeId;
  f.storeSelect = h('select', { testid: 'staff-store' },
    h('option', { value: '', text: t('team.invite.noStore'), selected: current === null }),
    stores.map((s) => h('option', { value: String(s.id), text: s.name, selected: s.id === current })));
  f.storeRow = field({ label: t('team.invite.store'), input: f.storeSelect }).row;
  f.storeHint = h('p', { class: 'hint', text: t(f.role === 'owner' ? 'team.invite.storeOwnerHint' : 'team.invite.storeHint') });
  f.storeRow.append(f.storeHint, f.errors.slot('store_id', f.storeSelect));
  return f.storeRow;
}

/** The language of the invitation e-mail (a new person only). */
function langField(f) {
  return field({
    label: t('team.invite.lang'),
    input: h('select', { testid: 'staff-lang', onchange: (e) => { f.lang = e.target.value; } },
      h('option', { value: 'nb', text: t('lang.nb'), selected: f.lang === 'nb' }), h('option', { value: 'en', text: t('lang.en'), selected: f.lang === 'en' })),
  }).row;
}

// ---- submit: the checks the phone can make, then saving the account or sending the invitation

function submitted(f) {
  const { account, errors } = f;
  errors.clear();
  f.formError.textContent = '';
  const store_id = f.storeSelect.value ? Number(f.storeSelect.value) : null;
  if (!f.name.input.value.trim()) errors.set('name', t('err.staff_name_missing'));
  if (!account && !f.email.input.value.trim()) errors.set('email', t('err.staff_email_invalid'));
  if (f.role !== 'owner' && store_id === null) errors.set('store_id', t('err.staff_store_missing'));
  if (errors.any()) { errors.focusFirst(); return; }
  save(f, { name: f.name.input.value, email: f.email.input.value, role: f.role, store_id });
}

function save(f, body) {
  const { ctx, account, errors } = f;
  withBusy(f.submit, async () => {
    try {
      if (account) {
        await api.patch(`/api/admin/staff/${account.id}`, body, { signal: ctx.signal });
        ctx.navigate(location.pathname, { replace: true, flash: 'team.account.saved' });
      } else {
        await api.post('/api/admin/staff/invites', { ...body, lang: f.lang }, { signal: ctx.signal });
        ctx.navigate(body.store_id ? `/admin/stores/${body.store_id}` : '/admin/stores', { flash: 'team.invite.sent' });
      }
    } catch (err) {
      if (err.name === 'AbortError') return;
      const message = ownerErrorMessage(err);
      if (errors.fromServer(err, () => message)) { errors.focusFirst(); return; }
      f.formError.textContent = message;
    }
  });
}

// ---- access: a new password, turning the account off and on again; `a` is the card and its account

function accessCard(ctx, account) {
  const a = { ctx, account, card: h('section', { class: 'card stack', 'aria-labelledby': 'access-h', testid: 'staff-access' }) };
  drawAccess(a);
  return a.card;
}

function drawAccess(a) {
  const heading = h('h2', { id: 'access-h', text: t('team.account.access') });
  if (a.account.is_you) a.card.replaceChildren(heading, h('p', { class: 'muted', text: t('team.account.yourself') }));
  else if (a.account.status === 'disabled') a.card.replaceChildren(heading, ...enableParts(a));
  else a.card.replaceChildren(heading, ...accessButtons(a));
}

function reload(a, flash) {
  a.ctx.navigate(location.pathname, { replace: true, flash });
}

function enableParts(a) {
  const enable = h('button', { type: 'button', class: 'button button-primary button-block', testid: 'staff-enable', text: t('team.account.enable') });
  const error = h('p', { class: 'form-error', role: 'alert' });
  enable.addEventListener('click', () => withBusy(enable, async () => {
    try { await api.post(`/api/admin/staff/${a.account.id}/enable`, undefined, { signal: a.ctx.signal }); reload(a, 'team.account.enabled'); } catch (err) {
      if (err.name !== 'AbortError') error.textContent = ownerErrorMessage(err);
    }
  }));
  return [h('p', { text: t('team.account.disabledBody') }), error, enable];
}

function accessButtons(a) {
  const reset = h('button', { type: 'button', class: 'button button-block', testid: 'staff-reset', text: t('team.account.reset') });
  const disable = h('button', { type: 'button', class: 'button button-warn button-block', testid: 'staff-disable', text: t('team.account.disable') });
  reset.addEventListener('click', () => askReset(a));
  disable.addEventListener('click', () => askDisable(a));
  return [h('p', { class: 'hint', text: t('team.account.resetHint') }), reset,
    h('p', { class: 'hint', text: t('team.account.disableHint') }), disable];
}

function askReset(a) {
  const { ctx, account } = a;
  const email = field({ label: t('team.invite.email'), input: h('input', { type: 'email', value: account.email || '', inputmode: 'email', testid: 'staff-reset-email' }) });
  a.card.replaceChildren(confirmBox({
    testid: 'staff-reset-confirm', title: t('team.account.resetTitle', { name: account.name }), text: t('team.account.resetBody'),
    yes: t('team.account.resetYes'), no: t('common.cancel'), onNo: () => drawAccess(a), extra: email.row,
    onYes: async () => {
      await api.post(`/api/admin/staff/${account.id}/reset`, { email: email.input.value || null, lang: getLang() }, { signal: ctx.signal });
      reload(a, 'team.account.resetSent');
    },
  }));
}

function askDisable(a) {
  const { ctx, account } = a;
  a.card.replaceChildren(confirmBox({
    testid: 'staff-disable-confirm', title: t('team.account.disableTitle', { name: account.name }), text: t('team.account.disableBody'),
    yes: t('team.account.disableYes'), no: t('common.cancel'), onNo: () => drawAccess(a),
    onYes: async () => {
      await api.post(`/api/admin/staff/${account.id}/disable`, undefined, { signal: ctx.signal });
      reload(a, 'team.account.disabled');
    },
  }));
}
