// Business configuration from GET /api/config. The call also sets the CSRF
// cookie, so it runs before anything else. A copy in localStorage lets the
// shell start offline.

import { api } from './api.js';

const CACHE_KEY = 'stampcard.config';
const FALLBACK = {
  business: { name: 'Digital Stampcard' },
  stores: [],
  interests: [],
  terms_version: '',
  terms_url: null,
  qr_step_seconds: 30,
  environment: 'production',
};

let config = null;

function cached() {
  try { return JSON.parse(localStorage.getItem(CACHE_KEY) || 'null'); } catch { return null; }
}

export async function loadConfig() {
  try {
    config = { ...FALLBACK, ...(await api.get('/api/config')) };
    try { localStorage.setItem(CACHE_KEY, JSON.stringify(config)); } catch { /* quota/private mode */ }
  } catch {
    config = { ...FALLBACK, ...(cached() || {}), offline: true };
  }
  return config;
}

export function getConfig() {
  return config || { ...FALLBACK, ...(cached() || {}) };
}

export function isDevEnvironment() {
  const env = getConfig().environment;
  return Boolean(env) && env !== 'production';
}

export function storeBySlug(slug) {
  return getConfig().stores.find((s) => s.slug === slug) || null;
}
