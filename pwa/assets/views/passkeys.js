// Passkeys (WebAuthn): the "Passkey" section of the profile (add, list, remove)
// and the "Logg inn med passkey" button of /join and /login. The one-time code
// always stays beside it: a passkey is a shortcut, never the only way in.
// The server sends options and takes credentials as JSON with base64url bytes;
// the converters below do that by hand, since not every phone has toJSON().

import { h } from '../dom.js';
import { errorMessage, formatDate, t } from '../i18n.js';
import { api } from '../api.js';
import { base64url, deviceLabel, ensureDeviceKeyPair, exportPublicKey } from '../device-key.js';
import { withBusy } from '../ui.js';

export function passkeysSupported() {
  return Boolean(window.PublicKeyCredential && navigator.credentials && window.isSecureContext);
}

function bytes(text) {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const descriptors = (list) => (list || []).map((c) => ({ ...c, id: bytes(c.id) }));

function creationOptions(o) {
  return { ...o, challenge: bytes(o.challenge), user: { ...o.user, id: bytes(o.user.id) }, excludeCredentials: descriptors(o.excludeCredentials) };
}

function requestOptions(o) {
  return { ...o, challenge: bytes(o.challenge), allowCredentials: descriptors(o.allowCredentials) };
}

function credentialJSON(credential) {
  const r = credential.response;
  const response = { clientDataJSON: base64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = base64url(r.attestationObject);
    response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
  } else {
    response.authenticatorData = base64url(r.authenticatorData);
    response.signature = base64url(r.signature);
    response.userHandle = r.userHandle ? base64url(r.userHandle) : null;
  }
  return { id: credential.id, rawId: base64url(credential.rawId), type: credential.type, response };
}

// The browser's own refusals get a sentence too (cancelled, timed out, already on this phone).
function passkeyError(err) {
  if (err && err.name === 'NotAllowedError') return t('passkey.cancelled');
  if (err && err.name === 'InvalidStateError') return t('passkey.alreadyHere');
  if (err && err.name === 'ApiError') return errorMessage(err);
  return t('passkey.failed');
}

// --------------------------------------------------------------------------- logging in

async function logIn(mediation, signal) {
  const options = await api.post('/api/auth/passkey/options', undefined, { signal });
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options), mediation, signal });
  let devicePublicKey = null;
  try {
    devicePublicKey = await exportPublicKey((await ensureDeviceKeyPair()).pair);
  } catch (err) {
    console.warn('No device key; the QR will not work on this device', err);
  }
  return api.post('/api/auth/passkey', {
    credential: credentialJSON(credential), device_public_key: devicePublicKey, device_label: deviceLabel(),
  }, { signal });
}

/**
 * "Logg inn med passkey" for the join/login screen, or null where the browser has no WebAuthn.
 * With `autofill` (an input with autocomplete="username"), the phone also offers its passkey in
 * the keyboard's suggestions where conditional mediation exists. `onLoggedIn(res)` gets the same
 * answer as the code login.
 */
export function passkeyLogin(ctx, { autofill = null, onLoggedIn }) {
  if (!passkeysSupported()) return null;
  const error = h('p', { class: 'field-error', role: 'alert', testid: 'passkey-login-error' });
  const button = h('button', {
    type: 'button', class: 'button button-block', testid: 'passkey-login', text: t('passkey.login'),
  });
  let quiet = null; // the pending conditional request: {controller, done}

  function stopQuiet() {
    if (!quiet) return Promise.resolve();
    const { controller, done } = quiet;
    quiet = null;
    controller.abort();
    return done;
  }
  ctx.onCleanup(() => { stopQuiet(); });

  const finish = async (res) => { if (!ctx.signal.aborted) await onLoggedIn(res); };

  button.addEventListener('click', () => withBusy(button, async () => {
    error.textContent = '';
    await stopQuiet(); // one WebAuthn request at a time
    try {
      await finish(await logIn('optional', ctx.signal));
    } catch (err) {
      if (err.name !== 'AbortError' || !ctx.signal.aborted) error.textContent = passkeyError(err);
    }
  }));

  if (autofill && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
      if (!available || ctx.signal.aborted) return;
      autofill.setAttribute('autocomplete', 'username webauthn');
      const controller = new AbortController();
      const done = logIn('conditional', controller.signal)
        .then(finish)
        .catch((err) => { if (err.name !== 'AbortError') error.textContent = passkeyError(err); });
      quiet = { controller, done };
    }).catch(() => {});
  }

  return h('div', { class: 'passkey-login stack', testid: 'passkey-login-block' },
    h('p', { class: 'or-divider', text: t('passkey.or') }), button, error);
}

// --------------------------------------------------------------------------- the profile section

export function passkeysSection(ctx) {
  const list = h('ul', { class: 'passkey-list', testid: 'passkey-list' });
  const status = h('p', { class: 'hint', role: 'status', testid: 'passkey-status' });
  const error = h('p', { class: 'field-error', role: 'alert', testid: 'passkey-error' });
  const add = passkeysSupported()
    ? h('button', { type: 'button', class: 'button button-primary', testid: 'passkey-add', text: t('passkey.add') })
    : null;
  const section = h('section', { class: 'card passkey-section', 'aria-labelledby': 'passkey-h', testid: 'passkey-section' },
    h('h2', { id: 'passkey-h', text: t('passkey.title') }),
    h('p', { text: t('passkey.lead') }),
    list, status, error,
    add || h('p', { class: 'hint', testid: 'passkey-unsupported', text: t('passkey.unsupported') }));

  const show = (err) => { if (err && err.name !== 'AbortError') error.textContent = passkeyError(err); };

  async function draw() {
    const passkeys = await api.get('/api/me/passkeys', { signal: ctx.signal });
    list.replaceChildren(...passkeys.map(item));
    if (!passkeys.length) list.append(h('li', { class: 'muted', testid: 'passkey-empty', text: t('passkey.none') }));
  }

  function item(passkey) {
    const remove = h('button', {
      type: 'button', class: 'button button-ghost', testid: 'passkey-remove', text: t('passkey.remove'),
      'aria-label': t('passkey.removeLabel', { name: passkey.label }),
    });
    remove.addEventListener('click', () => withBusy(remove, async () => {
      error.textContent = '';
      status.textContent = '';
      try {
        await api.delete(`/api/me/passkeys/${passkey.id}`, { signal: ctx.signal });
        status.textContent = t('passkey.removed');
        await draw();
      } catch (err) { show(err); }
    }));
    const used = passkey.last_used_at ? t('passkey.lastUsed', { date: formatDate(passkey.last_used_at) }) : t('passkey.neverUsed');
    return h('li', { class: 'passkey-item', testid: 'passkey-item', dataset: { passkeyId: String(passkey.id) } },
      h('div', { class: 'passkey-text' },
        h('p', { class: 'passkey-name', testid: 'passkey-name', text: passkey.label }),
        h('p', { class: 'hint', text: `${t('passkey.added', { date: formatDate(passkey.created_at) })} · ${used}` })),
      remove);
  }

  add?.addEventListener('click', () => withBusy(add, async () => {
    error.textContent = '';
    status.textContent = '';
    try {
      const options = await api.post('/api/me/passkeys/options', undefined, { signal: ctx.signal });
      const credential = await navigator.credentials.create({ publicKey: creationOptions(options), signal: ctx.signal });
      await api.post('/api/me/passkeys', { credential: credentialJSON(credential) }, { signal: ctx.signal });
      status.textContent = t('passkey.addedNow');
      await draw();
    } catch (err) { show(err); }
  }));

  draw().catch(show);
  return section;
}
