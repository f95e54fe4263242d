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

export function notificationsSection(ctx) {
  const section = h('section', { class: 'card push-section', 'aria-labelledby': 'push-h', testid: 'push-section' },
    h('h2', { id: 'push-h', text: t('push.title') }),
    h('p', { text: t('push.lead') }),
    h('ul', { class: 'push-list' },
      h('li', { text: t('push.whatStamps') }),
      h('li', { text: t('push.whatRewards') }),
      h('li', { text: t('push.whatExpiring') })),
    h('p', { class: 'hint', text: t('push.rhythm') }));
  const device = h('div', { class: 'push-device stack' });
  const error = h('p', { class: 'field-error', role: 'alert', testid: 'push-error' });
  const settings = h('div', { class: 'push-settings' });
  section.append(device, error, settings);

  const showError = (err) => {
    if (err && err.name === 'AbortError') return;
    error.textContent = err instanceof PushError ? t(`err.${err.code}`) : errorMessage(err);
  };

  async function drawDevice() {
    device.replaceChildren();
    const support = pushSupport();
    if (support === 'ios-install') {
      device.append(h('div', { class: 'notice notice-info push-ios', testid: 'push-ios-guidance' },
        h('p', { class: 'push-ios-title', text: t('push.iosTitle') }),
        h('ol', {},
          h('li', { text: t('push.iosStep1') }),
          h('li', { text: t('push.iosStep2') }),
          h('li', { text: t('push.iosStep3') }))));
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
    if (ctx.signal.aborted) return;
    if (subscription) {
      const off = h('button', { type: 'button', class: 'button button-ghost', testid: 'push-disable', text: t('push.disable') });
      off.addEventListener('click', () => withBusy(off, async () => {
        error.textContent = '';
        try { await disablePush(); } catch (err) { showError(err); }
        await drawDevice();
      }));
      device.append(status('on', t('push.stateOn')), off);
      return;
    }
    const on = h('button', { type: 'button', class: 'button button-primary button-block', testid: 'push-enable', text: t('push.enable') });
    on.addEventListener('click', () => withBusy(on, async () => {
      error.textContent = '';
      try {
        await enablePush();
        await loadSettings();
      } catch (err) { showError(err); }
      await drawDevice();
    }));
    device.append(status('off', t('push.stateOff')), on);
  }

  let current = null;
  async function loadSettings() {
    try {
      current = await api.get('/api/me/push/settings', { signal: ctx.signal });
    } catch (err) {
      showError(err);
      return;
    }
    drawSettings();
  }

  function drawSettings() {
    settings.replaceChildren(h('fieldset', { class: 'fieldset' },
      h('legend', { text: t('push.settingsTitle') }),
      toggle('service', t('push.service'), t('push.serviceHint'), 'push-service-toggle'),
      toggle('offers', t('push.offers'), t('push.offersHint'), 'push-offers-toggle'),
      // A consent of its own (Datatilsynet: profiling needs separate consent), kept
      // independent of "Tilbud": turning one on or off never changes the other.
      toggle('personalised', t('push.personalised'), t('push.personalisedHint'), 'push-personalised-toggle'),
      current.devices ? h('p', { class: 'hint', text: t('push.devices', { n: current.devices }) }) : null));
  }

  function toggle(name, label, hint, testid) {
    const id = `push-${name}`;
    const input = h('input', {
      type: 'checkbox', role: 'switch', id, checked: Boolean(current[name]), testid, 'aria-describedby': `${id}-hint`,
    });
    input.addEventListener('change', async () => {
      error.textContent = '';
      const wanted = input.checked;
      input.disabled = true;
      try {
        current = await api.patch('/api/me/push/settings', { [name]: wanted }, { signal: ctx.signal });
      } catch (err) {
        input.checked = !wanted;
        showError(err);
      } finally {
        input.disabled = false;
      }
      input.checked = Boolean(current[name]);
    });
    return h('div', { class: 'check switch-row' }, input,
      h('div', { class: 'check-text' }, h('label', { for: id, text: label }),
        h('span', { class: 'hint', id: `${id}-hint`, text: hint })));
  }

  drawDevice().catch(showError);
  loadSettings();
  return section;
}

function status(state, text) {
  return h('p', { class: ['push-status', `push-status-${state}`], testid: 'push-status', dataset: { state } },
    h('span', { class: 'push-dot', 'aria-hidden': 'true' }), h('span', { text }));
}
