// The device-bound signing key for the member QR. The private key is created
// non-extractable and only ever lives inside IndexedDB as a CryptoKey, so a
// copied screenshot or a stolen backup of localStorage cannot mint new codes.

import { idbDelete, idbGet, idbSet } from './idb.js';

const STORE = 'keys';
const KEY = 'device';
let pending = null;

export function cryptoAvailable() {
  return Boolean(globalThis.crypto && crypto.subtle && globalThis.isSecureContext !== false);
}

export async function getDeviceKeyPair() {
  try {
    const pair = await idbGet(STORE, KEY);
    return pair && pair.privateKey && pair.publicKey ? pair : null;
  } catch {
    return null;
  }
}

/** Returns {pair, created}; creates and stores a new key when none exists. */
export function ensureDeviceKeyPair() {
  pending ||= (async () => {
    const existing = await getDeviceKeyPair();
    if (existing) return { pair: existing, created: false };
    if (!cryptoAvailable()) throw new Error('webcrypto unavailable');
    const pair = await crypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    await idbSet(STORE, KEY, pair);
    return { pair, created: true };
  })().finally(() => { pending = null; });
  return pending;
}

export async function forgetDeviceKey() {
  await idbDelete(STORE, KEY).catch(() => {});
}

export function base64url(bytes) {
  let bin = '';
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Raw uncompressed P-256 point (65 bytes) as unpadded base64url. */
export async function exportPublicKey(pair) {
  return base64url(await crypto.subtle.exportKey('raw', pair.publicKey));
}

/** ECDSA P-256 / SHA-256; WebCrypto returns raw r||s (64 bytes). */
export async function signBytes(pair, bytes) {
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, bytes);
  return new Uint8Array(sig);
}

/** A short human label for the devices list, e.g. "Chrome · Android". */
export function deviceLabel() {
  const ua = navigator.userAgent || '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox'
    : /SamsungBrowser\//.test(ua) ? 'Samsung Internet' : /Chrom(e|ium)\//.test(ua) ? 'Chrome'
      : /Safari\//.test(ua) ? 'Safari' : 'Nettleser';
  const os = /iPhone/.test(ua) ? 'iPhone' : /iPad/.test(ua) ? 'iPad' : /Android/.test(ua) ? 'Android'
    : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'Mac' : /Linux/.test(ua) ? 'Linux' : '';
  return (os ? `${browser} · ${os}` : browser).slice(0, 60);
}
