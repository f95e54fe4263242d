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

// `f` holds what the form's steps share: the store (or none), the fields, the hours editor,
// the error slots and the button.
function storeForm(ctx, store, timezones) {
  const f = {
    ctx, store,
    name: field({ label: t('team.store.name'), input: h('input', { type: 'text', maxlength: '120', required: true, value: store ? store.name : '', autocomplete: 'off', testid: 'store-name' }) }),
    address: field({ label: t('team.store.address'), hint: t('team.store.addressHint'), input: h('input', { type: 'text', maxlength: '300', value: store ? store.address : '', autocomplete: 'street-address', testid: 'store-address' }) }),
    timezone: timezoneField(store, timezones),
    hours: hoursEditor(store ? store.opening_hours : {}),
    errors: new FieldErrors(['name', 'address', 'timezone']),
  };
  for (const key of ['name', 'address', 'timezone']) f[key].row.append(f.errors.slot(key, f[key].input));
  f.formError = h('p', { class: 'form-error', role: 'alert', testid: 'store-form-error' });
  f.submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'store-save', text: t(store ? 'team.store.save' : 'team.store.create') });
  const form = h('form', { class: 'card stack', novalidate: true }, f.name.row, f.address.row, f.timezone.row, f.hours.root, f.formError, f.submit);
  form.addEventListener('submit', (event) => { event.preventDefault(); submitted(f); });
  return form;
}

function timezoneField(store, timezones) {
  const zones = [...new Set([...(store ? [store.timezone] : []), ...timezones])];
  return field({
    label: t('team.store.timezone'), hint: t('team.store.timezoneHint'),
    input: h('select', { testid: 'store-timezone' }, zones.map((z) => h('option', { value: z, text: z.replace('_', ' '), selected: store ? z === store.timezone : z === 'Europe/Oslo' }))),
  });
}

function submitted(f) {
  f.errors.clear();
  f.hours.clearError();
  f.formError.textContent = '';
  if (!f.name.input.value.trim()) {
    f.errors.set('name', t('err.store_name_missing'));
    f.name.input.focus();
    return;
  }
  save(f, { name: f.name.input.value, address: f.address.input.value, timezone: f.timezone.input.value, opening_hours: f.hours.value() });
}

function save(f, body) {
  const { ctx, store } = f;
  withBusy(f.submit, async () => {
    try {
      const saved = store
        ? await api.patch(`/api/admin/stores/${store.id}`, body, { signal: ctx.signal })
        : await api.post('/api/admin/stores', body, { signal: ctx.signal });
      ctx.navigate(`/admin/stores/${saved.id}`, { replace: !store, flash: store ? 'team.store.saved' : 'team.store.created' });
    } catch (err) {
      if (err.name === 'AbortError') return;
      const message = ownerErrorMessage(err);
      const where = err.body && err.body.field;
      if (where && String(where).startsWith('opening_hours')) { f.hours.showError(message, where); return; }
      if (f.errors.fromServer(err, () => message)) { f.errors.focusFirst(); return; }
      f.formError.textContent = message;
    }
  });
}

// ---- the store's signed-in devices; `dc` is the card, its store and the devices as last shown

function devicesCard(ctx, store, devices) {
  const dc = { ctx, store, devices, card: h('section', { class: 'card stack', 'aria-labelledby': 'devices-h', testid: 'store-devices' }) };
  drawDevices(dc);
  return dc.card;
}

function drawDevices(dc, message, error) {
  const { card, store } = dc;
  const button = h('button', {
    type: 'button', class: 'button button-warn button-block', testid: 'store-sign-out', text: t('team.store.signOutAll'),
    disabled: store.devices_signed_in === 0,
  });
  button.addEventListener('click', () => askSignOutAll(dc));
  card.replaceChildren(...[
    h('h2', { id: 'devices-h', tabindex: '-1', text: t('team.store.devicesTitle') }),
    message ? notice('success', message, { testid: 'store-signed-out' }) : null,
    error ? notice('error', errorMessage(error), { testid: 'store-device-error' }) : null,
    h('p', { testid: 'store-devices-count', text: t('team.store.devicesNow', { n: store.devices_signed_in }) }),
    deviceList(dc),
    h('p', { class: 'hint', text: t('team.store.devicesHint') }),
    button,
  ].filter(Boolean));
  if (message) card.querySelector('h2').focus(); // back from the confirm box: keep focus in the card
}

function deviceList(dc) {
  if (!dc.devices.length) return null;
  return h('ul', { class: 'device-list', testid: 'store-device-list' }, dc.devices.map((d) => h('li', { class: 'device-item', testid: 'store-device', dataset: { sessionId: String(d.session_id) } },
    h('div', {},
      h('strong', { text: d.device || t('team.store.deviceUnknown') }),
      h('span', { class: 'muted', text: ` · ${d.staff_name}${d.this_device ? ` (${t('team.store.thisDevice')})` : ''}` }),
      h('p', { class: 'hint', text: t('team.store.deviceSeen', { seen: formatDateTime(d.last_seen_at), since: formatDateTime(d.signed_in_at) }) })),
    d.this_device ? null : h('button', {
      type: 'button', class: 'button button-ghost button-small', testid: 'store-device-sign-out', text: t('team.store.signOutOne'),
      'aria-label': t('team.store.signOutOneLabel', { device: d.device || t('team.store.deviceUnknown'), name: d.staff_name }),
      onclick: (event) => signOutOne(dc, d, event.currentTarget),
    }))));
}

async function signOutOne(dc, device, button) {
  const { ctx, store } = dc;
  await withBusy(button, async () => {
    try {
      await api.post(`/api/admin/stores/${store.id}/devices/${device.session_id}/sign-out`, undefined, { signal: ctx.signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      // Already signed out (it logged out, or another owner did it): the list is what matters.
      if (err.code !== 'device_not_found') { drawDevices(dc, null, err); return; }
    }
    dc.devices = dc.devices.filter((d) => d.session_id !== device.session_id);
    store.devices_signed_in = dc.devices.length;
    drawDevices(dc, t('team.store.signedOut', { n: 1 }));
  });
}

function askSignOutAll(dc) {
  const { ctx, store } = dc;
  dc.card.replaceChildren(confirmBox({
    testid: 'store-sign-out-confirm',
    title: t('team.store.signOutTitle', { n: store.devices_signed_in, store: store.name }),
    text: t('team.store.signOutBody'),
    yes: t('team.store.signOutYes'),
    no: t('common.cancel'),
    onNo: () => drawDevices(dc),
    onYes: async () => {
      const res = await api.post(`/api/admin/stores/${store.id}/sign-out-devices`, undefined, { signal: ctx.signal });
      store.devices_signed_in = 0;
      dc.devices = dc.devices.filter((d) => d.this_device);
      drawDevices(dc, t('team.store.signedOut', { n: res.signed_out }));
    },
  }));
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
