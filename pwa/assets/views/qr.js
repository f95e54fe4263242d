// "Vis kortet": the rotating, device-signed member QR. Renders entirely from
// IndexedDB (key pair + card snapshot), so it works in airplane mode.

import { append, h } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { api } from '../api.js';
import { getDeviceKeyPair, cryptoAvailable } from '../device-key.js';
import { loadSnapshot, syncFromMe } from '../member-store.js';
import { STEP_SECONDS, currentStep, drawQr, makeToken } from '../member-qr.js';
import { formatMemberNumber, notice, tierBadge } from '../ui.js';

const STALE_MS = 24 * 60 * 60 * 1000;
const RING_R = 18;
const RING_C = 2 * Math.PI * RING_R;

export async function render(ctx) {
  ctx.setTitle(t('qr.title'));
  const close = h('a', { href: '/', class: 'qr-close button button-ghost', testid: 'qr-close' },
    h('span', { 'aria-hidden': 'true', text: '← ' }), t('common.back'));
  const body = h('div', { class: 'qr-body' });
  ctx.main.append(h('div', { class: 'qr-screen' }, close, h('h1', { class: 'visually-hidden', tabindex: '-1', text: t('qr.title') }), body));

  let snap = await loadSnapshot();
  let pair = await getDeviceKeyPair();
  if (ctx.signal.aborted) return;
  if (!snap || !snap.member_number || !snap.device_id || !pair) {
    // Nothing usable offline yet: if we are online, sync (this also registers a key).
    try {
      const me = await api.get('/api/me', { signal: ctx.signal });
      snap = await syncFromMe(me);
      pair = await getDeviceKeyPair();
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.code === 'not_authenticated' && !(snap && snap.member_number)) {
        ctx.navigate('/join', { replace: true });
        return;
      }
    }
  } else if (navigator.onLine) {
    // Refresh name/tier in the background; the QR never waits for the network.
    api.get('/api/me', { signal: ctx.signal }).then(syncFromMe).catch(() => {});
  }
  if (ctx.signal.aborted) return;

  const canSign = Boolean(snap && snap.device_id && pair && cryptoAvailable());
  if (!snap || !snap.member_number) {
    body.append(notice('warn', t('qr.notReady'), { testid: 'qr-not-ready' }));
    return;
  }

  const canvas = h('canvas', { id: 'member-qr', class: 'member-qr', role: 'img', 'aria-label': t('qr.alt'), testid: 'member-qr' });
  const ringFg = h('svg:circle', { class: 'ring-fg', cx: '22', cy: '22', r: String(RING_R), 'stroke-dasharray': RING_C.toFixed(2) });
  const ring = h('svg:svg', { class: 'ring', viewBox: '0 0 44 44', 'aria-hidden': 'true' },
    h('svg:circle', { class: 'ring-bg', cx: '22', cy: '22', r: String(RING_R) }), ringFg);
  const countdownText = h('span', { class: 'countdown-text', testid: 'qr-countdown' });

  append(body, [
    canSign ? h('div', { class: 'qr-frame' }, canvas) : notice('warn', cryptoAvailable() ? t('qr.notReady') : t('qr.unsupported'), { testid: 'qr-not-ready' }),
    snap.first_name ? h('p', { class: 'qr-name', testid: 'qr-name', text: snap.first_name }) : null,
    snap.tier ? tierBadge(snap.tier, { testid: 'qr-tier' }) : null,
    h('div', { class: 'qr-number' },
      h('p', { class: 'qr-number-label', text: t('qr.memberNo') }),
      h('p', { class: 'qr-number-digits', testid: 'member-number-large', text: formatMemberNumber(snap.member_number) })),
    canSign ? h('div', { class: 'countdown' }, ring, countdownText) : null,
    canSign ? h('p', { class: 'hint', text: t('qr.hint') }) : null,
    snap.synced_at && Date.now() - Date.parse(snap.synced_at) > STALE_MS
      ? h('p', { class: 'qr-stale', testid: 'qr-stale', text: t('qr.stale', { date: formatDateTime(snap.synced_at) }) }) : null]);

  if (!canSign) return;

  let lastStep = null;
  let token = '';
  let busy = false;
  const targetSize = () => Math.max(260, Math.min(380, window.innerWidth - 40, window.innerHeight * 0.5));

  async function tick() {
    const now = Date.now();
    const step = currentStep(now);
    const left = STEP_SECONDS - Math.floor((now / 1000) % STEP_SECONDS);
    countdownText.textContent = t('qr.nextIn', { s: left });
    ringFg.setAttribute('stroke-dashoffset', (RING_C * (1 - left / STEP_SECONDS)).toFixed(2));
    if (step === lastStep || busy) return;
    busy = true;
    try {
      token = await makeToken(pair, snap.device_id, step);
      if (ctx.signal.aborted) return;
      drawQr(canvas, token, targetSize());
      canvas.dataset.token = token;
      canvas.dataset.step = String(step);
      lastStep = step;
    } finally {
      busy = false;
    }
  }
  await tick();
  const timer = setInterval(tick, 1000);
  const onResize = () => { if (token) drawQr(canvas, token, targetSize()); };
  window.addEventListener('resize', onResize);

  // Keep the screen on while the cashier scans; the lock drops when hidden.
  let lock = null;
  const lockScreen = async () => {
    if (!('wakeLock' in navigator) || document.hidden || lock) return;
    try {
      lock = await navigator.wakeLock.request('screen');
      lock.addEventListener('release', () => { lock = null; });
    } catch { lock = null; }
  };
  const onVisible = () => { if (!document.hidden) { tick(); lockScreen(); } };
  document.addEventListener('visibilitychange', onVisible);
  lockScreen();

  ctx.onCleanup(() => {
    clearInterval(timer);
    window.removeEventListener('resize', onResize);
    document.removeEventListener('visibilitychange', onVisible);
    if (lock) lock.release().catch(() => {});
  });
}
