// "Vis kortet": the rotating, device-signed member QR. Renders entirely from
// IndexedDB (key pair + card snapshot + the clock offset), so it works in airplane mode. It is
// signed for the server's time: a phone whose clock is off gets a code that works, and is told.

import { append, h } from '../dom.js';
import { approxDuration, formatDateTime, t } from '../i18n.js';
import { api } from '../api.js';
import { getDeviceKeyPair, cryptoAvailable } from '../device-key.js';
import { loadSnapshot, syncFromMe } from '../member-store.js';
import { STEP_SECONDS, currentStep, drawQr, makeToken } from '../member-qr.js';
import { clockOffsetMs, loadClock, serverNow } from '../server-clock.js';
import { formatMemberNumber, notice, tierBadge } from '../ui.js';

const STALE_MS = 24 * 60 * 60 * 1000;
const CLOCK_WARN_MS = 60 * 1000; // the phone's clock is this far off: say so (the code works anyway)
const RING_R = 18;
const RING_C = 2 * Math.PI * RING_R;

export async function render(ctx) {
  ctx.setTitle(t('qr.title'));
  const close = h('a', { href: '/', class: 'qr-close button button-ghost', testid: 'qr-close' },
    h('span', { 'aria-hidden': 'true', text: '← ' }), t('common.back'));
  const body = h('div', { class: 'qr-body' });
  ctx.main.append(h('div', { class: 'qr-screen' }, close, h('h1', { class: 'visually-hidden', tabindex: '-1', text: t('qr.title') }), body));

  const [found] = await Promise.all([cardAndKey(ctx), loadClock()]);
  if (!found || ctx.signal.aborted) return;
  const { snap, pair } = found;
  if (!snap || !snap.member_number) {
    body.append(notice('warn', t('qr.notReady'), { testid: 'qr-not-ready' }));
    return;
  }
  const canSign = Boolean(snap.device_id && pair && cryptoAvailable());
  const q = {
    ctx, snap, pair,
    canvas: h('canvas', { id: 'member-qr', class: 'member-qr', role: 'img', 'aria-label': t('qr.alt'), testid: 'member-qr' }),
    ringFg: h('svg:circle', { class: 'ring-fg', cx: '22', cy: '22', r: String(RING_R), 'stroke-dasharray': RING_C.toFixed(2) }),
    countdownText: h('span', { class: 'countdown-text', testid: 'qr-countdown' }),
    clockNote: h('div', { class: 'qr-clock', role: 'status', testid: 'qr-clock-warning', hidden: true }),
    clockShown: '', // the warning's text on screen
    lastStep: null, // the time step the QR on screen was signed for
    token: '',
    busy: false, // a token is being signed
    lock: null, // the screen wake lock, while held
  };
  append(body, cardParts(q, canSign));
  if (canSign) await rotate(q);
}

/**
 * The card snapshot and this device's key pair from IndexedDB; with nothing usable there, synced
 * from the server first (when online). Null when the screen was left or the visitor sent to join.
 */
async function cardAndKey(ctx) {
  let snap = await loadSnapshot();
  let pair = await getDeviceKeyPair();
  if (ctx.signal.aborted) return null;
  if (!snap || !snap.member_number || !snap.device_id || !pair) {
    // Nothing usable offline yet: if we are online, sync (this also registers a key).
    try {
      const me = await api.get('/api/me', { signal: ctx.signal });
      snap = await syncFromMe(me);
      pair = await getDeviceKeyPair();
    } catch (err) {
      if (err.name === 'AbortError') return null;
      if (err.code === 'not_authenticated' && !(snap && snap.member_number)) {
        ctx.navigate('/join', { replace: true });
        return null;
      }
    }
  } else if (navigator.onLine) {
    // Refresh name/tier in the background; the QR never waits for the network.
    api.get('/api/me', { signal: ctx.signal }).then(syncFromMe).catch(() => {});
  }
  return { snap, pair };
}

/** The QR (or why there is none), name, tier, the number to read aloud, the countdown. */
function cardParts(q, canSign) {
  const { snap } = q;
  return [
    canSign ? h('div', { class: 'qr-frame' }, q.canvas) : notice('warn', cryptoAvailable() ? t('qr.notReady') : t('qr.unsupported'), { testid: 'qr-not-ready' }),
    snap.first_name ? h('p', { class: 'qr-name', testid: 'qr-name', text: snap.first_name }) : null,
    snap.tier ? tierBadge(snap.tier, { testid: 'qr-tier' }) : null,
    h('div', { class: 'qr-number' },
      h('p', { class: 'qr-number-label', text: t('qr.memberNo') }),
      h('p', { class: 'qr-number-digits', testid: 'member-number-large', text: formatMemberNumber(snap.member_number) })),
    canSign ? h('div', { class: 'countdown' }, countdownRing(q), q.countdownText) : null,
    canSign ? h('p', { class: 'hint', text: t('qr.hint') }) : null,
    canSign ? q.clockNote : null,
    snap.synced_at && Date.now() - Date.parse(snap.synced_at) > STALE_MS
      ? h('p', { class: 'qr-stale', testid: 'qr-stale', text: t('qr.stale', { date: formatDateTime(snap.synced_at) }) }) : null];
}

function countdownRing(q) {
  return h('svg:svg', { class: 'ring', viewBox: '0 0 44 44', 'aria-hidden': 'true' },
    h('svg:circle', { class: 'ring-bg', cx: '22', cy: '22', r: String(RING_R) }), q.ringFg);
}

// ---- a new signed QR every step, for as long as the screen is open

async function rotate(q) {
  await tick(q);
  const timer = setInterval(() => tick(q), 1000);
  const onResize = () => { if (q.token) drawQr(q.canvas, q.token, targetSize()); };
  window.addEventListener('resize', onResize);
  const onVisible = () => { if (!document.hidden) { tick(q); lockScreen(q); } };
  document.addEventListener('visibilitychange', onVisible);
  lockScreen(q);

  q.ctx.onCleanup(() => {
    clearInterval(timer);
    window.removeEventListener('resize', onResize);
    document.removeEventListener('visibilitychange', onVisible);
    if (q.lock) q.lock.release().catch(() => {});
  });
}

/** The countdown every second; a new token and QR when the step changes. */
async function tick(q) {
  const now = serverNow();
  showClock(q);
  const step = currentStep(now);
  const left = STEP_SECONDS - Math.floor((now / 1000) % STEP_SECONDS);
  q.countdownText.textContent = t('qr.nextIn', { s: left });
  q.ringFg.setAttribute('stroke-dashoffset', (RING_C * (1 - left / STEP_SECONDS)).toFixed(2));
  if (step === q.lastStep || q.busy) return;
  q.busy = true;
  try {
    q.token = await makeToken(q.pair, q.snap.device_id, step);
    if (q.ctx.signal.aborted) return;
    drawQr(q.canvas, q.token, targetSize());
    q.canvas.dataset.token = q.token;
    q.canvas.dataset.step = String(step);
    // Time to QR (issue 14): from navigation start, measured by tests/browser/test_pwa.py.
    if (q.lastStep === null && !performance.getEntriesByName('qr-drawn').length) performance.mark('qr-drawn');
    q.lastStep = step;
  } finally {
    q.busy = false;
  }
}

/** The phone's clock is more than a minute off: what the member should know, in plain words. */
function showClock(q) {
  const offset = clockOffsetMs(); // server minus phone: positive when the phone is behind
  const text = Math.abs(offset) > CLOCK_WARN_MS
    ? t(offset > 0 ? 'qr.clockBehind' : 'qr.clockAhead', { time: approxDuration(Math.abs(offset)) }) : '';
  if (text === q.clockShown) return;
  q.clockShown = text;
  q.clockNote.hidden = !text;
  q.clockNote.replaceChildren(...(text ? [h('p', { class: 'qr-clock-main', text }), h('p', { text: t('qr.clockFix') })] : []));
}

function targetSize() {
  return Math.max(260, Math.min(380, window.innerWidth - 40, window.innerHeight * 0.5));
}

// Keep the screen on while the cashier scans; the lock drops when hidden.
async function lockScreen(q) {
  if (!('wakeLock' in navigator) || document.hidden || q.lock) return;
  try {
    q.lock = await navigator.wakeLock.request('screen');
    q.lock.addEventListener('release', () => { q.lock = null; });
  } catch { q.lock = null; }
}
