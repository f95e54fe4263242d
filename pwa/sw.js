// Service worker for Digital Stampcard.
// - Precaches the member's shell only, so the app (and the member QR) starts offline. Staff and
//   owner screens, their strings and jsQR are not in it (members' phones never need them): they are
//   cached on first use, and a till's staff screens (STAFF) as a whole once it has shown one.
// - Navigations: network first, cached shell ("/") as fallback.
// - /v/<VERSION>/... (this build's immutable files), /assets, /vendor: cache first. VERSION is a hash
//   of the app's files that the server writes in below; a new one is a new cache, the old is deleted.
// - /api is never cached, and non-GET requests are never touched.
// - Web Push: renders Declarative Web Push payloads, reports "received" for pushes whose
//   `navigate` URL carries a receipt token (`n`), opens that URL on click (the app then
//   reports "opened" and drops `n` from the address).

const VERSION = 'dev';
const CACHE = `stampcard-shell-${VERSION}`;
const V = `/v/${VERSION}`;

// Everything a member's phone loads: the static imports of assets/app.js, the member strings in
// both languages (switching works offline) and the header's icon. tests/api/test_pwa_payload.py
// checks this list against the imports and holds it to the 100 KB budget.
const SHELL = [
  '/',
  '/manifest.webmanifest',
  `${V}/assets/styles.css`,
  `${V}/assets/app.js`,
  `${V}/assets/api.js`,
  `${V}/assets/config.js`,
  `${V}/assets/device-key.js`,
  `${V}/assets/dom.js`,
  `${V}/assets/i18n.js`,
  `${V}/assets/strings/nb/member.js`,
  `${V}/assets/strings/en/member.js`,
  `${V}/assets/idb.js`,
  `${V}/assets/member-qr.js`,
  `${V}/assets/member-store.js`,
  `${V}/assets/push.js`,
  `${V}/assets/qr-token.js`,
  `${V}/assets/server-clock.js`,
  `${V}/assets/ui.js`,
  `${V}/assets/views/consents.js`,
  `${V}/assets/views/dev-outbox.js`,
  `${V}/assets/views/home.js`,
  `${V}/assets/views/home-points.js`,
  `${V}/assets/views/join.js`,
  `${V}/assets/views/min-side.js`,
  `${V}/assets/views/me-consents.js`,
  `${V}/assets/views/me-contact.js`,
  `${V}/assets/views/notifications.js`,
  `${V}/assets/views/offer.js`,
  `${V}/assets/views/offline.js`,
  `${V}/assets/views/passkeys.js`,
  `${V}/assets/views/poster.js`,
  `${V}/assets/views/profile.js`,
  `${V}/assets/views/qr.js`,
  `${V}/assets/views/referral.js`,
  `${V}/assets/icons/icon-64.png`,
  `${V}/vendor/qrcode-generator/dist/qrcode.mjs`,
];

// What a till needs offline beyond the shell, cached whole once the staff login or till has loaded
// (the page says so: 'cache-staff'), and again by a new version's install on a phone that had it.
const STAFF = [
  `${V}/assets/views/staff-login.js`,
  `${V}/assets/views/staff.js`,
  `${V}/assets/views/staff-result.js`,
  `${V}/assets/views/staff-prepaid.js`,
  `${V}/assets/views/staff-points.js`,
  `${V}/assets/views/staff-invite.js`,
  `${V}/assets/scanner.js`,
  `${V}/assets/keyboard-wedge.js`,
  `${V}/assets/strings/nb/staff.js`,
  `${V}/assets/strings/en/staff.js`,
  `${V}/vendor/jsqr/dist/jsQR.js`,
];
// In a cache: that phone is a till. Versioned only: before versioned URLs every phone precached it.
const STAFF_MARK = /^\/v\/[^/]+\/assets\/views\/staff\.js$/;

async function wasTill() {
  for (const name of await caches.keys()) {
    if (name === CACHE || !name.startsWith('stampcard-')) continue;
    const requests = await (await caches.open(name)).keys();
    if (requests.some((r) => STAFF_MARK.test(new URL(r.url).pathname))) return true;
  }
  return false;
}

// cache: 'reload' skips the HTTP cache so a new version never caches stale files.
const fresh = (urls) => urls.map((url) => new Request(url, { cache: 'reload' }));

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(fresh(SHELL));
    // A till keeps working offline across a deployment: the new version's staff screens too.
    if (await wasTill()) await cache.addAll(fresh(STAFF)).catch((err) => console.warn('staff precache', err));
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

self.addEventListener('message', (event) => {
  if (!event.data || event.data.type !== 'cache-staff') return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const missing = [];
    for (const url of STAFF) if (!(await cache.match(url))) missing.push(url);
    await cache.addAll(missing);
  })().catch((err) => console.warn('staff cache', err)));
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
  const path = url.pathname;
  if (path.startsWith('/v/') || path.startsWith('/assets/') || path.startsWith('/vendor/') || path === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  }
});

// ---------------------------------------------------------------------------
// Push notifications. Payloads are Declarative Web Push JSON:
//   {"web_push": 8030, "notification": {"title", "body", "navigate", "lang", "tag", "app_badge"?}, "app_badge"?}
// A notification is ALWAYS shown inside waitUntil, whatever arrives: Safari
// revokes subscriptions that push silently, Chrome shows its own generic one.

const ICON = `${V}/assets/icons/icon-192.png`; // immutable at this URL, not precached (64 px is)
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
