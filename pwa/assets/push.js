// Web Push on the page side: what this browser can do, the opt-in (only ever
// from a tap), the re-sync on every app open, and the hand-off from the
// service worker after `pushsubscriptionchange` (the worker cannot send the
// CSRF header, so an open page posts the new subscription for it).

import { api } from './api.js';

const KEY_ID = 'push.keyId';
const SUBSCRIBE_TIMEOUT_MS = 8000; // a browser without a reachable push service may never answer

export class PushError extends Error {
  constructor(code, detail = '') {
    super(detail || code);
    this.name = 'PushError';
    this.code = code; // 'push_denied' | 'push_failed' | 'push_timeout' (friendly texts in i18n.js)
  }
}

export function isIOS() {
  const ua = navigator.userAgent || '';
  // iPadOS reports itself as a Mac; the touch points give it away.
  return /iPad|iPhone|iPod/.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
}

export function isStandalone() {
  return navigator.standalone === true
    || (typeof matchMedia === 'function' && matchMedia('(display-mode: standalone)').matches);
}

/**
 * 'ios-install': iPhone/iPad Safari outside a home-screen app (push needs one);
 * 'unsupported': this browser has no Web Push; 'supported' otherwise.
 */
export function pushSupport() {
  const capable = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  if (isIOS() && (!capable || !isStandalone())) return 'ios-install';
  return capable ? 'supported' : 'unsupported';
}

export function permission() {
  return 'Notification' in window ? Notification.permission : 'default';
}

function storedKeyId() {
  try { return localStorage.getItem(KEY_ID); } catch { return null; }
}

function storeKeyId(keyId) {
  try { localStorage.setItem(KEY_ID, keyId); } catch { /* private mode */ }
}

export function base64UrlToBytes(value) {
  const b64 = value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

function sameBytes(a, b) {
  if (!a || !b) return true; // unknown: do not churn the subscription
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

async function registration(ms = SUBSCRIBE_TIMEOUT_MS) {
  // `ready` never settles when the worker could not be registered (e.g. plain http).
  return withTimeout(navigator.serviceWorker.ready, ms);
}

export async function currentSubscription() {
  if (pushSupport() !== 'supported') return null;
  try {
    return await (await registration(3000)).pushManager.getSubscription();
  } catch { return null; }
}

async function send(subscription, keyId) {
  await api.post('/api/me/push/subscriptions', { ...subscription.toJSON(), key_id: keyId });
  storeKeyId(keyId);
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new PushError('push_timeout')), ms); }),
  ]).finally(() => clearTimeout(timer));
}

async function subscribeWith(key) {
  const reg = await registration();
  try {
    return await withTimeout(reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlToBytes(key.application_server_key),
    }), SUBSCRIBE_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof PushError) throw err;
    if (err && err.name === 'NotAllowedError') throw new PushError('push_denied', err.message);
    throw new PushError('push_failed', String(err && err.message || err));
  }
}

/** From a tap only: ask permission, subscribe, tell the server. Throws PushError or ApiError. */
export async function enablePush() {
  // requestPermission must be the first await so the tap still counts as a user gesture.
  const result = await Notification.requestPermission();
  if (result !== 'granted') throw new PushError('push_denied');
  const key = await api.get('/api/push/key');
  let subscription = await (await registration()).pushManager.getSubscription();
  if (subscription && !sameBytes(subscription.options && subscription.options.applicationServerKey,
    base64UrlToBytes(key.application_server_key))) {
    await subscription.unsubscribe().catch(() => {});
    subscription = null;
  }
  subscription ||= await subscribeWith(key);
  await send(subscription, key.key_id);
  return subscription;
}

/** "Turn off on this device": drop the browser subscription and tell the server. */
export async function disablePush() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  const { endpoint } = subscription;
  await subscription.unsubscribe().catch(() => {});
  await api.post('/api/me/push/unsubscribe', { endpoint });
}

let syncedFor = null;

/**
 * Every app open (once per page load and member): re-post the subscription so the
 * server keeps it fresh and it follows whoever is logged in; re-subscribe when the
 * server's VAPID key changed. Never asks for permission. Errors are swallowed.
 */
export async function syncOnOpen(memberId) {
  if (syncedFor === memberId || pushSupport() !== 'supported' || permission() !== 'granted') return;
  syncedFor = memberId;
  try {
    let subscription = await currentSubscription();
    if (!subscription) return;
    const key = await api.get('/api/push/key');
    const stored = storedKeyId();
    const keyChanged = (stored && stored !== key.key_id)
      || !sameBytes(subscription.options && subscription.options.applicationServerKey,
        base64UrlToBytes(key.application_server_key));
    if (keyChanged) {
      const old = subscription.endpoint;
      await subscription.unsubscribe().catch(() => {});
      api.post('/api/me/push/unsubscribe', { endpoint: old }).catch(() => {});
      subscription = await subscribeWith(key);
    }
    await send(subscription, key.key_id);
  } catch (err) {
    syncedFor = null; // try again on the next open
    console.warn('push sync failed', err);
  }
}

/** The service worker re-subscribed after `pushsubscriptionchange`; post it for it. */
export function listenToWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    const msg = event.data || {};
    if (msg.type !== 'push-subscription-changed' || !msg.subscription) return;
    const body = { ...msg.subscription, key_id: msg.key_id || storedKeyId() || '' };
    api.post('/api/me/push/subscriptions', body)
      .then(() => { if (msg.key_id) storeKeyId(msg.key_id); })
      .catch(() => {});
    if (msg.old_endpoint && msg.old_endpoint !== msg.subscription.endpoint) {
      api.post('/api/me/push/unsubscribe', { endpoint: msg.old_endpoint }).catch(() => {});
    }
  });
}
