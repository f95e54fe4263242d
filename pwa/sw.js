// Service worker for Digital Stampcard.
// - Precaches the app shell so the app (and the member QR) starts offline. The owner's screens are
//   not in it (members' phones never need them); they are cached on the owner's first visit.
// - Navigations: network first, cached shell ("/") as fallback.
// - /assets and /vendor: cache first (bump VERSION when they change).
// - /api is never cached, and non-GET requests are never touched.
// - Web Push: renders Declarative Web Push payloads, reports "received" for pushes whose
//   `navigate` URL carries a receipt token (`n`), opens that URL on click (the app then
//   reports "opened" and drops `n` from the address).

const VERSION = 'v17';
const CACHE = `stampcard-shell-${VERSION}`;

const SHELL = [
  '/',
  '/manifest.webmanifest',
  '/assets/styles.css',
  '/assets/app.js',
  '/assets/api.js',
  '/assets/config.js',
  '/assets/device-key.js',
  '/assets/dom.js',
  '/assets/i18n.js',
  '/assets/idb.js',
  '/assets/keyboard-wedge.js',
  '/assets/member-qr.js',
  '/assets/member-store.js',
  '/assets/push.js',
  '/assets/qr-token.js',
  '/assets/scanner.js',
  '/assets/server-clock.js',
  '/assets/ui.js',
  '/assets/views/admin/tabs.js',
  '/assets/views/consents.js',
  '/assets/views/dev-outbox.js',
  '/assets/views/home.js',
  '/assets/views/join.js',
  '/assets/views/min-side.js',
  '/assets/views/me-consents.js',
  '/assets/views/me-contact.js',
  '/assets/views/notifications.js',
  '/assets/views/offer.js',
  '/assets/views/offline.js',
  '/assets/views/passkeys.js',
  '/assets/views/poster.js',
  '/assets/views/profile.js',
  '/assets/views/qr.js',
  '/assets/views/referral.js',
  '/assets/views/staff-invite.js',
  '/assets/views/staff-login.js',
  '/assets/views/staff-result.js',
  '/assets/views/staff.js',
  '/assets/icons/icon-192.png',
  '/assets/icons/icon-512.png',
  '/assets/icons/maskable-512.png',
  '/assets/icons/apple-touch-icon.png',
  '/vendor/qrcode-generator/dist/qrcode.mjs',
  '/vendor/jsqr/dist/jsQR.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: 'reload' skips the HTTP cache so a new version never precaches stale files.
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith('stampcard-') && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

async function networkFirstNavigation(request) {
  try {
    const response = await fetch(request);
    // Every app route serves the same index.html; keep the cached shell fresh.
    if (response.ok && new URL(request.url).pathname === '/') {
      const cache = await caches.open(CACHE);
      await cache.put('/', response.clone());
    }
    return response;
  } catch (err) {
    const shell = await caches.match('/', { cacheName: CACHE });
    if (shell) return shell;
    throw err;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return; // always network, never cached
  if (request.mode === 'navigate') {
    event.respondWith(networkFirstNavigation(request));
    return;
  }
  if (url.pathname.startsWith('/assets/') || url.pathname.startsWith('/vendor/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  }
});

// ---------------------------------------------------------------------------
// Push notifications. Payloads are Declarative Web Push JSON:
//   {"web_push": 8030, "notification": {"title", "body", "navigate", "lang", "tag", "app_badge"?}, "app_badge"?}
// A notification is ALWAYS shown inside waitUntil, whatever arrives: Safari
// revokes subscriptions that push silently, Chrome shows its own generic one.

const ICON = '/assets/icons/icon-192.png';
const FALLBACK = { title: 'Digital Stampcard', body: 'Du har en ny melding. / You have a new message.' };

function sameOriginUrl(value) {
  try {
    const url = new URL(value, self.location.origin);
    return url.origin === self.location.origin ? url.href : null;
  } catch { return null; }
}

function parsePush(event) {
  let payload = null;
  try { payload = event.data ? event.data.json() : null; } catch { payload = null; }
  const n = payload && payload.web_push === 8030 && payload.notification && typeof payload.notification === 'object'
    ? payload.notification : null;
  const title = n && typeof n.title === 'string' && n.title ? n.title : FALLBACK.title;
  const options = {
    body: n && typeof n.body === 'string' ? n.body : n ? '' : FALLBACK.body,
    icon: ICON,
    data: { navigate: (n && sameOriginUrl(n.navigate)) || `${self.location.origin}/` },
  };
  if (n && typeof n.tag === 'string' && n.tag) options.tag = n.tag;
  if (n && typeof n.lang === 'string' && n.lang) options.lang = n.lang;
  let badge = payload && Number.isInteger(payload.app_badge) ? payload.app_badge : undefined;
  if (badge === undefined && n && Number.isInteger(n.app_badge)) badge = n.app_badge;
  return { title, options, badge };
}

self.addEventListener('push', (event) => {
  const { title, options, badge } = parsePush(event);
  event.waitUntil((async () => {
    if (badge !== undefined && self.navigator && 'setAppBadge' in self.navigator) {
      try {
        if (badge > 0) await self.navigator.setAppBadge(badge);
        else await self.navigator.clearAppBadge();
      } catch { /* badging is a nicety */ }
    }
    await self.registration.showNotification(title, options);
    await reportReceived(options.data.navigate);
  })());
});

// The delivery receipt: the push reached this phone. Best effort, never in the way of the
// notification (which is already shown); the token is signed, so no session is needed.
async function reportReceived(navigate) {
  try {
    const token = new URL(navigate).searchParams.get('n');
    if (!token) return;
    await fetch('/api/push/receipts', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, event: 'received' }),
    });
  } catch { /* offline or refused: the count is a nicety */ }
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.navigate) || `${self.location.origin}/`;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const client = windows.find((c) => c.url === target)
      || windows.find((c) => new URL(c.url).origin === self.location.origin);
    if (client) {
      try {
        const focused = await client.focus();
        if (focused.url !== target && 'navigate' in focused) await focused.navigate(target);
        return;
      } catch { /* not controlled or not focusable: open a window instead */ }
    }
    await self.clients.openWindow(target);
  })());
});

// The push service replaced or expired the subscription. Subscribe again with the
// server's current key; the worker cannot send the CSRF header, so an open page
// posts it (push.js listenToWorker). With no page open, the next app open does it.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil((async () => {
    let key = null;
    let keyId = '';
    try {
      const res = await fetch('/api/push/key', { credentials: 'same-origin', cache: 'no-store' });
      if (res.ok) {
        const body = await res.json();
        const b64 = body.application_server_key.replace(/-/g, '+').replace(/_/g, '/');
        key = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
        keyId = body.key_id;
      }
    } catch { /* offline: fall back to the old key */ }
    const old = event.oldSubscription;
    key ||= old && old.options && old.options.applicationServerKey;
    if (!key) return;
    const subscription = event.newSubscription
      || await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const client of windows) {
      client.postMessage({
        type: 'push-subscription-changed',
        subscription: subscription.toJSON(),
        key_id: keyId,
        old_endpoint: old ? old.endpoint : null,
      });
    }
  })());
});
