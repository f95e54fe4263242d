// /admin/stores/new and /admin/stores/{id}: name, address, time zone and opening
// hours; on an existing store also its staff and "Logg ut alle enheter".

import { field, h } from '../../dom.js';
import { errorMessage, formatDateTime, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';
import { hoursEditor } from './opening-hours.js';
import { backLink, confirmBox, loadTeamScreen } from './team-common.js';
import { inviteRow, staffRow } from './stores.js';

export async function render(ctx) {
  const id = ctx.params.id;
  ctx.setTitle(t(id ? 'team.store.title' : 'team.store.newTitle'));
  const wait = loading();
  ctx.main.append(wait);
  const loaded = await loadTeamScreen(ctx, wait, (signal) => Promise.all([
    api.get('/api/admin/stores', { signal }),
    id ? api.get(`/api/admin/stores/${id}`, { signal }) : null,
    id ? api.get('/api/admin/staff', { signal }) : null,
    id ? api.get(`/api/admin/stores/${id}/devices`, { signal }) : null,
  ]), id ? 'team.store.title' : 'team.store.newTitle');
  if (!loaded) return;
  const [list, store, staff, devices] = loaded;
  if (store) ctx.setTitle(store.name);
  wait.replaceWith(...[
    backLink(),
    pageTitle(store ? store.name : t('team.store.newTitle')),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    storeForm(ctx, store, list.timezones),
    store ? devicesCard(ctx, store, devices.devices) : null,
    store ? storeStaff(ctx, store, staff) : null,
  ].filter(Boolean));
}

function storeForm(ctx, store, timezones) {
  const name = field({ label: t('team.store.name'), input: h('input', { type: 'text', maxlength: '120', required: true, value: store ? store.name : '', autocomplete: 'off', testid: 'store-name' }) });
  const address = field({ label: t('team.store.address'), hint: t('team.store.addressHint'), input: h('input', { type: 'text', maxlength: '300', value: store ? store.address : '', autocomplete: 'street-address', testid: 'store-address' }) });
  const zones = [...new Set([...(store ? [store.timezone] : []), ...timezones])];
  const timezone = field({
    label: t('team.store.timezone'), hint: t('team.store.timezoneHint'),
    input: h('select', { testid: 'store-timezone' }, zones.map((z) => h('option', { value: z, text: z.replace('_', ' '), selected: store ? z === store.timezone : z === 'Europe/Oslo' }))),
  });
  const hours = hoursEditor(store ? store.opening_hours : {});
  const errors = new FieldErrors(['name', 'address', 'timezone']);
  name.row.append(errors.slot('name', name.input));
  address.row.append(errors.slot('address', address.input));
  timezone.row.append(errors.slot('timezone', timezone.input));
  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'store-form-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'store-save', text: t(store ? 'team.store.save' : 'team.store.create') });
  const form = h('form', { class: 'card stack', novalidate: true }, name.row, address.row, timezone.row, hours.root, formError, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    hours.clearError();
    formError.textContent = '';
    if (!name.input.value.trim()) {
      errors.set('name', t('err.store_name_missing'));
      name.input.focus();
      return;
    }
    const body = { name: name.input.value, address: address.input.value, timezone: timezone.input.value, opening_hours: hours.value() };
    withBusy(submit, async () => {
      try {
        const saved = store
          ? await api.patch(`/api/admin/stores/${store.id}`, body, { signal: ctx.signal })
          : await api.post('/api/admin/stores', body, { signal: ctx.signal });
        ctx.navigate(`/admin/stores/${saved.id}`, { replace: !store, flash: store ? 'team.store.saved' : 'team.store.created' });
      } catch (err) {
        if (err.name === 'AbortError') return;
        const message = ownerErrorMessage(err);
        const f = err.body && err.body.field;
        if (f && String(f).startsWith('opening_hours')) { hours.showError(message, f); return; }
        if (errors.fromServer(err, () => message)) { errors.focusFirst(); return; }
        formError.textContent = message;
      }
    });
  });
  return form;
}

function devicesCard(ctx, store, devices) {
  const card = h('section', { class: 'card stack', 'aria-labelledby': 'devices-h', testid: 'store-devices' });
  const signOutOne = async (device, button) => {
    await withBusy(button, async () => {
      try {
        await api.post(`/api/admin/stores/${store.id}/devices/${device.session_id}/sign-out`, undefined, { signal: ctx.signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        // Already signed out (it logged out, or another owner did it): the list is what matters.
        if (err.code !== 'device_not_found') { draw(null, err); return; }
      }
      devices = devices.filter((d) => d.session_id !== device.session_id);
      store.devices_signed_in = devices.length;
      draw(t('team.store.signedOut', { n: 1 }));
    });
  };
  const deviceList = () => (devices.length
    ? h('ul', { class: 'device-list', testid: 'store-device-list' }, devices.map((d) => h('li', { class: 'device-item', testid: 'store-device', dataset: { sessionId: String(d.session_id) } },
      h('div', {},
        h('strong', { text: d.device || t('team.store.deviceUnknown') }),
        h('span', { class: 'muted', text: ` · ${d.staff_name}${d.this_device ? ` (${t('team.store.thisDevice')})` : ''}` }),
        h('p', { class: 'hint', text: t('team.store.deviceSeen', { seen: formatDateTime(d.last_seen_at), since: formatDateTime(d.signed_in_at) }) })),
      d.this_device ? null : h('button', {
        type: 'button', class: 'button button-ghost button-small', testid: 'store-device-sign-out', text: t('team.store.signOutOne'),
        'aria-label': t('team.store.signOutOneLabel', { device: d.device || t('team.store.deviceUnknown'), name: d.staff_name }),
        onclick: (event) => signOutOne(d, event.currentTarget),
      }))))
    : null);
  const draw = (message, error) => {
    const button = h('button', {
      type: 'button', class: 'button button-warn button-block', testid: 'store-sign-out', text: t('team.store.signOutAll'),
      disabled: store.devices_signed_in === 0,
    });
    button.addEventListener('click', () => card.replaceChildren(confirmBox({
      testid: 'store-sign-out-confirm',
      title: t('team.store.signOutTitle', { n: store.devices_signed_in, store: store.name }),
      text: t('team.store.signOutBody'),
      yes: t('team.store.signOutYes'),
      no: t('common.cancel'),
      onNo: () => draw(),
      onYes: async () => {
        const res = await api.post(`/api/admin/stores/${store.id}/sign-out-devices`, undefined, { signal: ctx.signal });
        store.devices_signed_in = 0;
        devices = devices.filter((d) => d.this_device);
        draw(t('team.store.signedOut', { n: res.signed_out }));
      },
    })));
    card.replaceChildren(...[
      h('h2', { id: 'devices-h', tabindex: '-1', text: t('team.store.devicesTitle') }),
      message ? notice('success', message, { testid: 'store-signed-out' }) : null,
      error ? notice('error', errorMessage(error), { testid: 'store-device-error' }) : null,
      h('p', { testid: 'store-devices-count', text: t('team.store.devicesNow', { n: store.devices_signed_in }) }),
      deviceList(),
      h('p', { class: 'hint', text: t('team.store.devicesHint') }),
      button,
    ].filter(Boolean));
    if (message) card.querySelector('h2').focus(); // back from the confirm box: keep focus in the card
  };
  draw();
  return card;
}

function storeStaff(ctx, store, staff) {
  const accounts = staff.accounts.filter((a) => a.store && a.store.id === store.id);
  const invites = staff.invites.filter((i) => i.store && i.store.id === store.id);
  return h('section', { class: 'card stack', 'aria-labelledby': 'store-staff-h', testid: 'store-staff' },
    h('div', { class: 'admin-head-row' },
      h('h2', { id: 'store-staff-h', text: t('team.store.staffTitle') }),
      h('a', { class: 'button button-primary button-small', href: `/admin/staff/invite?store=${store.id}`, testid: 'store-invite' },
        h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { text: t('team.invite.button') }))),
    accounts.length || invites.length ? null : h('p', { class: 'muted', text: t('team.store.noStaff') }),
    accounts.length ? h('ul', { class: 'team-list' }, accounts.map(staffRow)) : null,
    invites.length ? h('ul', { class: 'team-list' }, invites.map((i) => inviteRow(ctx, i))) : null);
}
