// The one place that talks to /api: same-origin cookies, the CSRF header on
// unsafe methods, and RFC 9457 problem details turned into ApiError. Every answer's X-Server-Time
// tells server-clock.js how far this phone's clock is off.

import { noteServerTime } from './server-clock.js';

export class ApiError extends Error {
  constructor({ status = 0, code = 'generic', detail = '', body = {} } = {}) {
    super(detail || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

// Any GET sets the csrftoken cookie; /api/config is the cheapest one.
let csrfPrimer = null;
async function ensureCsrfCookie() {
  if (readCookie('csrftoken')) return;
  csrfPrimer ||= fetch('/api/config', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .catch(() => null)
    .finally(() => { csrfPrimer = null; });
  await csrfPrimer;
}

async function toError(res) {
  let body = {};
  try {
    const type = res.headers.get('content-type') || '';
    if (type.includes('json')) body = await res.json();
  } catch { body = {}; }
  const fallback = res.status >= 500 ? 'server_error' : res.status === 401 ? 'not_authenticated'
    : res.status === 403 ? 'forbidden' : res.status === 404 ? 'not_found'
      : res.status === 429 ? 'rate_limited' : 'generic';
  const retryAfter = Number(res.headers.get('retry-after'));
  if (body.retry_after === undefined && Number.isFinite(retryAfter) && retryAfter > 0) body.retry_after = retryAfter;
  return new ApiError({ status: res.status, code: body.code || fallback, detail: body.detail || body.title || '', body });
}

/**
 * request('/api/me') or request('/api/staff/stamps', {method: 'POST', body, idempotencyKey}).
 * Resolves to parsed JSON (or null for 204); throws ApiError. Network failure → code 'network'.
 */
export async function request(path, { method = 'GET', body, idempotencyKey, signal, csrfRetry = true } = {}) {
  method = method.toUpperCase();
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  if (UNSAFE.has(method)) {
    await ensureCsrfCookie();
    const token = readCookie('csrftoken');
    if (token) headers['X-CSRFToken'] = token;
  }
  let res;
  const sentAt = Date.now();
  try {
    res = await fetch(path, {
      method, headers, signal, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'network', detail: String(err && err.message || err) });
  }
  noteServerTime(res.headers.get('x-server-time'), sentAt, Date.now());
  if (!res.ok) {
    const error = await toError(res);
    // A rotated/missing CSRF cookie is recoverable: the request was refused before
    // doing anything, so refresh the cookie once and resend.
    if (error.code === 'csrf' && csrfRetry && UNSAFE.has(method)) {
      await fetch('/api/config', { credentials: 'same-origin' }).catch(() => null);
      return request(path, { method, body, idempotencyKey, signal, csrfRetry: false });
    }
    throw error;
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  return type.includes('json') ? res.json() : res.text();
}

export const api = {
  get: (path, opts) => request(path, { ...opts, method: 'GET' }),
  post: (path, body, opts) => request(path, { ...opts, method: 'POST', body }),
  patch: (path, body, opts) => request(path, { ...opts, method: 'PATCH', body }),
  put: (path, body, opts) => request(path, { ...opts, method: 'PUT', body }),
  delete: (path, opts) => request(path, { ...opts, method: 'DELETE' }),
};

export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; keep a fallback for plain-http LAN testing.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
