// Service worker for Digital Stampcard.
// - Precaches the app shell so the app (and the member QR) starts offline.
// - Navigations: network first, cached shell ("/") as fallback.
// - /assets and /vendor: cache first (bump VERSION when they change).
// - /api is never cached, and non-GET requests are never touched.

const VERSION = 'v2';
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
  '/assets/scanner.js',
  '/assets/ui.js',
  '/assets/views/consents.js',
  '/assets/views/dev-outbox.js',
  '/assets/views/home.js',
  '/assets/views/join.js',
  '/assets/views/offline.js',
  '/assets/views/poster.js',
  '/assets/views/profile.js',
  '/assets/views/qr.js',
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
// PUSH NOTIFICATIONS: reserved for the Web Push issue.
// The 'push' handler (render the Declarative Web Push payload and always show a
// notification inside event.waitUntil) and the 'notificationclick' handler
// (focus/open payload.notification.navigate) go here.
// ---------------------------------------------------------------------------
