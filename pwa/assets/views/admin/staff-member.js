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

function personForm(ctx, { stores, account = null, storeId = null }) {
  const name = field({ label: t('team.invite.name'), input: h('input', { type: 'text', maxlength: '120', required: true, autocomplete: 'off', value: account ? account.name : '', testid: 'staff-name' }) });
  const email = field({
    label: t('team.invite.email'), hint: account ? t('team.account.emailHint') : t('team.invite.emailHint'),
    input: h('input', { type: 'email', maxlength: '254', required: !account, autocomplete: 'off', inputmode: 'email', value: account ? account.email || '' : '', testid: 'staff-email' }),
  });
  const roleId = nextId('role');
  let role = account ? account.role : 'staff';
  const roleGroup = h('div', { class: 'radio-cards', role: 'radiogroup', 'aria-labelledby': roleId },
    ROLES.map((r) => {
      const inputId = nextId('r');
      const input = h('input', { type: 'radio', name: 'role', id: inputId, value: r, checked: r === role, testid: `staff-role-${r}`,
        onchange: () => { role = r; storeRow.hidden = false; storeHint.textContent = t(r === 'owner' ? 'team.invite.storeOwnerHint' : 'team.invite.storeHint'); } });
      return h('div', { class: 'check radio-card' }, input, h('div', { class: 'check-text' },
        h('label', { for: inputId, text: roleName(r) }), h('span', { class: 'hint', text: t(`team.role.${r}Hint`) })));
    }));
  const current = account ? (account.store ? account.store.id : null) : storeId;
  const storeSelect = h('select', { testid: 'staff-store' },
    h('option', { value: '', text: t('team.invite.noStore'), selected: current === null }),
    stores.map((s) => h('option', { value: String(s.id), text: s.name, selected: s.id === current })));
  const store = field({ label: t('team.invite.store'), input: storeSelect });
  const storeHint = h('p', { class: 'hint', text: t(role === 'owner' ? 'team.invite.storeOwnerHint' : 'team.invite.storeHint') });
  const storeRow = store.row;
  storeRow.append(storeHint);
  let langGroup = null;
  let lang = getLang();
  if (!account) {
    langGroup = field({
      label: t('team.invite.lang'),
      input: h('select', { testid: 'staff-lang', onchange: (e) => { lang = e.target.value; } },
        h('option', { value: 'nb', text: t('lang.nb'), selected: lang === 'nb' }), h('option', { value: 'en', text: t('lang.en'), selected: lang === 'en' })),
    });
  }
  const errors = new FieldErrors(['name', 'email', 'role', 'store_id']);
  name.row.append(errors.slot('name', name.input));
  email.row.append(errors.slot('email', email.input));
  storeRow.append(errors.slot('store_id', storeSelect));
  const roleFieldset = h('fieldset', { class: 'fieldset' }, h('legend', { id: roleId, text: t('team.invite.role') }), roleGroup);
  roleFieldset.append(errors.slot('role', roleGroup));
  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'staff-form-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'staff-save', text: t(account ? 'team.account.save' : 'team.invite.send') });
  const form = h('form', { class: 'card stack', novalidate: true },
    name.row, email.row, roleFieldset, storeRow, langGroup ? langGroup.row : null, formError, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    formError.textContent = '';
    const store_id = storeSelect.value ? Number(storeSelect.value) : null;
    if (!name.input.value.trim()) errors.set('name', t('err.staff_name_missing'));
    if (!account && !email.input.value.trim()) errors.set('email', t('err.staff_email_invalid'));
    if (role !== 'owner' && store_id === null) errors.set('store_id', t('err.staff_store_missing'));
    if (errors.any()) { errors.focusFirst(); return; }
    const body = { name: name.input.value, email: email.input.value, role, store_id };
    withBusy(submit, async () => {
      try {
        if (account) {
          await api.patch(`/api/admin/staff/${account.id}`, body, { signal: ctx.signal });
          ctx.navigate(location.pathname, { replace: true, flash: 'team.account.saved' });
        } else {
          await api.post('/api/admin/staff/invites', { ...body, lang }, { signal: ctx.signal });
          ctx.navigate(store_id ? `/admin/stores/${store_id}` : '/admin/stores', { flash: 'team.invite.sent' });
        }
      } catch (err) {
        if (err.name === 'AbortError') return;
        const message = ownerErrorMessage(err);
        if (errors.fromServer(err, () => message)) { errors.focusFirst(); return; }
        formError.textContent = message;
      }
    });
  });
  return form;
}

function accessCard(ctx, account) {
  const card = h('section', { class: 'card stack', 'aria-labelledby': 'access-h', testid: 'staff-access' });
  const reload = (flash) => ctx.navigate(location.pathname, { replace: true, flash });
  const draw = () => {
    const heading = h('h2', { id: 'access-h', text: t('team.account.access') });
    if (account.is_you) {
      card.replaceChildren(heading, h('p', { class: 'muted', text: t('team.account.yourself') }));
      return;
    }
    if (account.status === 'disabled') {
      const enable = h('button', { type: 'button', class: 'button button-primary button-block', testid: 'staff-enable', text: t('team.account.enable') });
      const error = h('p', { class: 'form-error', role: 'alert' });
      enable.addEventListener('click', () => withBusy(enable, async () => {
        try { await api.post(`/api/admin/staff/${account.id}/enable`, undefined, { signal: ctx.signal }); reload('team.account.enabled'); } catch (err) {
          if (err.name !== 'AbortError') error.textContent = ownerErrorMessage(err);
        }
      }));
      card.replaceChildren(heading, h('p', { text: t('team.account.disabledBody') }), error, enable);
      return;
    }
    const reset = h('button', { type: 'button', class: 'button button-block', testid: 'staff-reset', text: t('team.account.reset') });
    const disable = h('button', { type: 'button', class: 'button button-warn button-block', testid: 'staff-disable', text: t('team.account.disable') });
    reset.addEventListener('click', () => {
      const email = field({ label: t('team.invite.email'), input: h('input', { type: 'email', value: account.email || '', inputmode: 'email', testid: 'staff-reset-email' }) });
      card.replaceChildren(confirmBox({
        testid: 'staff-reset-confirm', title: t('team.account.resetTitle', { name: account.name }), text: t('team.account.resetBody'),
        yes: t('team.account.resetYes'), no: t('common.cancel'), onNo: draw, extra: email.row,
        onYes: async () => {
          await api.post(`/api/admin/staff/${account.id}/reset`, { email: email.input.value || null, lang: getLang() }, { signal: ctx.signal });
          reload('team.account.resetSent');
        },
      }));
    });
    disable.addEventListener('click', () => card.replaceChildren(confirmBox({
      testid: 'staff-disable-confirm', title: t('team.account.disableTitle', { name: account.name }), text: t('team.account.disableBody'),
      yes: t('team.account.disableYes'), no: t('common.cancel'), onNo: draw,
      onYes: async () => {
        await api.post(`/api/admin/staff/${account.id}/disable`, undefined, { signal: ctx.signal });
        reload('team.account.disabled');
      },
    })));
    card.replaceChildren(heading, h('p', { class: 'hint', text: t('team.account.resetHint') }), reset,
      h('p', { class: 'hint', text: t('team.account.disableHint') }), disable);
  };
  draw();
  return card;
}
