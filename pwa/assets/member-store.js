// What the member's phone keeps so "Vis kortet" works with no network:
// {device_id, member_number, first_name, tier{code,name}, synced_at}.
// It sits in IndexedDB next to the key pair, so clearing site data removes both
// together and a device id never outlives the key it was issued for.

import { api } from './api.js';
import { idbDelete, idbGet, idbSet } from './idb.js';
import { deviceLabel, ensureDeviceKeyPair, exportPublicKey } from './device-key.js';

const STORE = 'meta';
const KEY = 'card';
let reRegistered = false;

export async function loadSnapshot() {
  try { return (await idbGet(STORE, KEY)) || null; } catch { return null; }
}

async function saveSnapshot(patch) {
  const next = { ...((await loadSnapshot()) || {}), ...patch };
  try { await idbSet(STORE, KEY, next); } catch { /* storage unavailable: QR just won't work offline */ }
  return next;
}

export async function clearSnapshot() {
  reRegistered = false;
  await idbDelete(STORE, KEY).catch(() => {});
}

/** Called after a successful OTP verify: the server bound our public key. */
export async function rememberDevice(deviceId, member) {
  const patch = { device_id: deviceId };
  if (member) {
    patch.member_number = member.member_number;
    patch.first_name = member.first_name ?? null;
  }
  return saveSnapshot(patch);
}

async function registerDevice() {
  const { pair } = await ensureDeviceKeyPair();
  const res = await api.post('/api/me/devices', { public_key: await exportPublicKey(pair), label: deviceLabel() });
  return res.device_id;
}

/**
 * Store the latest MemberHome for offline use and make sure this device has a
 * registered key. Registration problems never break the caller.
 */
export async function syncFromMe(me) {
  const snap = (await loadSnapshot()) || {};
  const sameMember = snap.member_number === me.member.member_number;
  let deviceId = sameMember ? snap.device_id || null : null;
  const serverDevice = me.device ? me.device.device_id : null;
  try {
    const { created } = await ensureDeviceKeyPair();
    // The server's view of this session's device disagrees with ours: register
    // our key again, but only once per page load so polling cannot loop.
    const disagree = deviceId && serverDevice !== deviceId;
    if (created || !deviceId || (disagree && !reRegistered)) {
      if (disagree) reRegistered = true;
      deviceId = await registerDevice();
    }
  } catch {
    // Offline or WebCrypto missing: keep whatever id we had.
  }
  return saveSnapshot({
    device_id: deviceId,
    member_number: me.member.member_number,
    first_name: me.member.first_name ?? null,
    tier: me.tier ? { code: me.tier.code, name: me.tier.name } : null,
    synced_at: new Date().toISOString(),
  });
}
