// The "Varsler" section of the profile: what we send, the opt-in button (the
// only place that asks for permission), this device's state, and the three
// account-wide switches (service messages; offers = push marketing consent;
// personalised offers = the separate consent to pick offers by visits and interests).

import { h } from '../dom.js';
import { errorMessage, t } from '../i18n.js';
import { api } from '../api.js';
import {
  PushError, currentSubscription, disablePush, enablePush, permission, pushSupport,
} from '../push.js';
import { withBusy } from '../ui.js';

// `n` holds what the section's parts share: the screen, this device's part, the error line, the
// switches' part and the settings as last loaded (or saved).
export function notificationsSection(ctx) {
  const section = pushIntro();
  const n = {
    ctx,
    device: h('div', { class: 'push-device stack' }),
    error: h('p', { class: 'field-error', role: 'alert', testid: 'push-error' }),
    settings: h('div', { class: 'push-settings' }),
    current: null,
  };
  section.append(n.device, n.error, n.settings);
  drawDevice(n).catch((err) => showError(n, err));
  loadSettings(n);
  return section;
}

function pushIntro() {
  return h('section', { class: 'card push-section', 'aria-labelledby': 'push-h', testid: 'push-section' },
    h('h2', { id: 'push-h', text: t('push.title') }),
    h('p', { text: t('push.lead') }),
    h('ul', { class: 'push-list' },
      h('li', { text: t('push.whatStamps') }),
      h('li', { text: t('push.whatRewards') }),
      h('li', { text: t('push.whatExpiring') })),
    h('p', { class: 'hint', text: t('push.rhythm') }));
}

function showError(n, err) {
  if (err && err.name === 'AbortError') return;
  n.error.textContent = err instanceof PushError ? t(`err.${err.code}`) : errorMessage(err);
}

// ---- this device: how to get push on an iPhone, not possible, blocked, on (and off) or off (and on)

async function drawDevice(n) {
  const { device } = n;
  device.replaceChildren();
  const support = pushSupport();
  if (support === 'ios-install') {
    device.append(iosGuidance());
    return;
  }
  if (support === 'unsupported') {
    device.append(status('unsupported', t('push.stateUnsupported')));
    return;
  }
  const perm = permission();
  if (perm === 'denied') {
    device.append(status('blocked', t('push.stateBlocked')), h('p', { class: 'hint', text: t('push.blockedHint') }));
    return;
  }
  const subscription = perm === 'granted' ? await currentSubscription() : null;
  if (n.ctx.signal.aborted) return;
  if (subscription) device.append(status('on', t('push.stateOn')), offButton(n));
  else device.append(status('off', t('push.stateOff')), onButton(n));
}

/** On an iPhone, push needs the app on the home screen first. */
function iosGuidance() {
  return h('div', { class: 'notice notice-info push-ios', testid: 'push-ios-guidance' },
    h('p', { class: 'push-ios-title', text: t('push.iosTitle') }),
    h('ol', {},
      h('li', { text: t('push.iosStep1') }),
      h('li', { text: t('push.iosStep2') }),
      h('li', { text: t('push.iosStep3') })));
}

function offButton(n) {
  const off = h('button', { type: 'button', class: 'button button-ghost', testid: 'push-disable', text: t('push.disable') });
  off.addEventListener('click', () => withBusy(off, async () => {
    n.error.textContent = '';
    try { await disablePush(); } catch (err) { showError(n, err); }
    await drawDevice(n);
  }));
  return off;
}

function onButton(n) {
  const on = h('button', { type: 'button', class: 'button button-primary button-block', testid: 'push-enable', text: t('push.enable') });
  on.addEventListener('click', () => withBusy(on, async () => {
    n.error.textContent = '';
    try {
      await enablePush();
      await loadSettings(n);
    } catch (err) { showError(n, err); }
    await drawDevice(n);
  }));
  return on;
}

// ---- the account-wide switches

async function loadSettings(n) {
  try {
    n.current = await api.get('/api/me/push/settings', { signal: n.ctx.signal });
  } catch (err) {
    showError(n, err);
    return;
  }
  drawSettings(n);
}

function drawSettings(n) {
  n.settings.replaceChildren(h('fieldset', { class: 'fieldset' },
    h('legend', { text: t('push.settingsTitle') }),
    toggle(n, 'service', t('push.service'), t('push.serviceHint'), 'push-service-toggle'),
    toggle(n, 'offers', t('push.offers'), t('push.offersHint'), 'push-offers-toggle'),
    // A consent of its own (Datatilsynet: profiling needs separate consent), kept
    // independent of "Tilbud": turning one on or off never changes the other.
    toggle(n, 'personalised', t('push.personalised'), t('push.personalisedHint'), 'push-personalised-toggle'),
    n.current.devices ? h('p', { class: 'hint', text: t('push.devices', { n: n.current.devices }) }) : null));
}

function toggle(n, name, label, hint, testid) {
  const id = `push-${name}`;
  const input = h('input', {
    type: 'checkbox', role: 'switch', id, checked: Boolean(n.current[name]), testid, 'aria-describedby': `${id}-hint`,
  });
  input.addEventListener('change', async () => {
    n.error.textContent = '';
    const wanted = input.checked;
    input.disabled = true;
    try {
      n.current = await api.patch('/api/me/push/settings', { [name]: wanted }, { signal: n.ctx.signal });
    } catch (err) {
      input.checked = !wanted;
      showError(n, err);
    } finally {
      input.disabled = false;
    }
    input.checked = Boolean(n.current[name]);
  });
  return h('div', { class: 'check switch-row' }, input,
    h('div', { class: 'check-text' }, h('label', { for: id, text: label }),
      h('span', { class: 'hint', id: `${id}-hint`, text: hint })));
}

function status(state, text) {
  return h('p', { class: ['push-status', `push-status-${state}`], testid: 'push-status', dataset: { state } },
    h('span', { class: 'push-dot', 'aria-hidden': 'true' }), h('span', { text }));
}
