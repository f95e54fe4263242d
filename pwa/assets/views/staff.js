// Staff scanner screen for a store device: camera + handheld scanner + manual
// entry feed one lookup, then big buttons act on the member. The camera keeps
// running between customers; a new member's code replaces the current one.

import { clear, field, h } from '../dom.js';
import { t } from '../i18n.js';
import { api, newIdempotencyKey } from '../api.js';
import { CameraScanner } from '../scanner.js';
import { serverNow } from '../server-clock.js';
import { listenForWedge } from '../keyboard-wedge.js';
import { devicePrefix } from '../qr-token.js';
import { loadInto, loading, pageTitle, withBusy } from '../ui.js';
import { messageBox, resultPanel, undoAvailable, undoLeftText } from './staff-result.js';
import { pointsPanel } from './staff-points.js';
import { prepaidPanel } from './staff-prepaid.js';

const SAME_CODE_MS = 60_000;
const IN_FLIGHT_RETRIES = 3;

// Module state survives a language re-render (same screen, new strings).
const state = { scan: null, message: null, busy: false, undoOpen: false, lastCode: '', lastCodeAt: 0, device: null };
let scanner = null;

export async function render(ctx) {
  ctx.setTitle(t('staff.title'));
  const wait = loading();
  ctx.main.append(wait);
  const me = await loadInto(ctx, wait, (signal) => api.get('/api/staff/me', { signal }), {
    loginPath: '/staff/login',
    title: t('staff.title'),
    // A member's session on the till is no staff session either: the staff login.
    handled: (err) => {
      if (err.code !== 'forbidden') return false;
      ctx.navigate('/staff/login', { replace: true });
      return true;
    },
  });
  if (!me) return;
  const { staff } = me;
  if (staff.role === 'owner') { ctx.navigate('/admin', { replace: true }); return; } // the owner has no till
  if (!ctx.rerender) Object.assign(state, { scan: null, message: null, busy: false, undoOpen: false, lastCode: '', lastCodeAt: 0, device: null });

  // `till` is what the steps below share: the screen's context, the member panel and its actions.
  const till = { ctx, result: h('div', { class: 'result-area', 'aria-live': 'off' }) };
  till.actions = tillActions(till);
  const video = h('video', { id: 'scanner-video', class: 'scanner-video', muted: true, playsinline: true, autoplay: true, 'aria-label': t('staff.cameraLabel') });
  const cameraStatus = h('div', { class: 'camera-status' });
  till.layout = h('div', { class: 'staff-layout' },
    h('div', { class: 'staff-scan' },
      h('div', { class: 'camera-box' }, video, h('div', { class: 'camera-frame', 'aria-hidden': 'true' }), cameraStatus),
      h('p', { class: 'hint', text: t('staff.scannerHint') }),
      manualEntry(till),
      staff.store ? joinCode(staff.store) : null),
    till.result);
  wait.replaceWith(
    h('div', { class: 'staff-head' },
      h('div', {}, pageTitle(t('staff.title')),
        h('p', { class: 'muted', testid: 'staff-identity', text: `${staff.name} · ${staff.store ? staff.store.name : t('staff.allStores')}` })),
      logoutButton(ctx)),
    till.layout);

  const undoTimer = followUndoWindow(till);
  const stopWedge = listenForWedge((code, others) => { state.lastCode = ''; lookUp(till, code, 'wedge', others); });
  draw(till);
  await startCamera(video, cameraStatus, (code) => fromScanner(till, code));
  ctx.onCleanup((reason) => {
    clearInterval(undoTimer);
    stopWedge();
    if (reason !== 'lang' && reason !== 'refresh') stopCamera();
  });
}

// A code typed in by hand (a member number, or the text under the QR).
function manualEntry(till) {
  const manual = field({
    label: t('staff.manualLabel'),
    input: h('input', { type: 'text', name: 'code', inputmode: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', testid: 'staff-manual-input' }),
  });
  const submit = h('button', { type: 'submit', class: 'button button-primary', testid: 'staff-manual-submit', text: t('staff.manualSubmit') });
  const form = h('form', { class: 'manual-form', novalidate: true }, manual.row, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = manual.input.value.trim();
    if (!code) { manual.input.focus(); return; }
    lookUp(till, code, 'manual').then((ok) => { if (ok) manual.input.value = ''; });
  });
  return form;
}

function logoutButton(ctx) {
  const logout = h('button', { type: 'button', class: 'button button-ghost button-small', testid: 'staff-logout', text: t('nav.logout') });
  logout.addEventListener('click', () => withBusy(logout, async () => {
    try { await api.post('/api/staff/logout', undefined, { signal: ctx.signal }); } catch { /* leave anyway */ }
    stopCamera();
    ctx.navigate('/staff/login', { replace: true });
  }));
  return logout;
}

function draw(till) {
  const { result } = till;
  // On a phone the member panel moves above the camera (see styles.css).
  till.layout.classList.toggle('has-member', Boolean(state.scan || state.message || state.busy));
  clear(result);
  if (state.busy && !state.scan) result.append(h('p', { class: 'loading', role: 'status', text: t('staff.looking') }));
  const msg = messageBox(state.message);
  if (msg) result.append(msg);
  const panel = resultPanel(state, till.actions);
  if (panel) {
    const newScan = panel.querySelector('[data-testid="staff-new-scan"]');
    panel.insertBefore(klippekort(till), newScan);
    panel.insertBefore(points(till), newScan);
    result.append(panel);
  }
  if (!state.scan && !state.busy && !state.message) result.append(h('p', { class: 'muted waiting', testid: 'staff-waiting', text: t('staff.waiting') }));
}

// The klippekort panel keeps its own state for the scan it was made for; a new scan makes a new one.
function klippekort(till) {
  const id = state.scan.scan_id;
  if (!till.prepaid || till.prepaid.id !== id) till.prepaid = { id, el: prepaidPanel(id, till.ctx.signal) };
  return till.prepaid.el;
}

// The points section, like the klippekort's: its own state per scan, hidden when no program runs.
function points(till) {
  const id = state.scan.scan_id;
  if (!till.points || till.points.id !== id) till.points = { id, el: pointsPanel(state.scan, till.ctx.signal) };
  return till.points.el;
}

/**
 * A scanned or typed code → the member's panel. Resolves to true when a member was found. `others`:
 * a handheld scan's other readings (keyboard-wedge.js); the server keeps the one that is signed.
 */
async function lookUp(till, code, source, others = []) {
  if (state.busy) return false;
  state.busy = true;
  state.undoOpen = false;
  draw(till);
  let ok = false;
  try {
    const body = others.length ? { code, other_readings: others } : { code };
    const scan = await api.post('/api/staff/scans', body, { signal: till.ctx.signal });
    const sameMember = state.scan && state.scan.member.member_number === scan.member.member_number;
    if (!sameMember) state.message = null; // keep "Stempel lagt til" if it's the same person again
    state.scan = scan;
    state.device = source !== 'manual' ? devicePrefix(code) : null; // this phone's codes all start so
    ok = true;
    if (navigator.vibrate) navigator.vibrate(40);
    if (!sameMember) window.scrollTo({ top: 0 });
  } catch (err) {
    if (err.name === 'AbortError') return false;
    state.scan = null;
    state.device = null;
    state.message = { kind: 'error', error: err };
  } finally {
    state.busy = false;
  }
  draw(till);
  return ok;
}

function fromScanner(till, code) {
  const now = Date.now();
  // The same QR stays in front of the camera for many frames: submit it once.
  if (code === state.lastCode && now - state.lastCodeAt < SAME_CODE_MS) return;
  if (state.busy) return;
  const expired = state.scan && Date.parse(state.scan.expires_at) < serverNow();
  if (state.scan && !expired && state.device && code.startsWith(state.device)) return; // same phone, rotated code
  state.lastCode = code;
  state.lastCodeAt = now;
  lookUp(till, code, 'camera');
}

/** One action on the member (stamp, redeem, undo) with its own Idempotency-Key. */
async function run(till, action, attempt = 0) {
  const { ctx } = till;
  state.busy = true;
  state.message = null;
  draw(till);
  try {
    const res = await api.post(action.path, action.body, { idempotencyKey: action.key, signal: ctx.signal });
    state.scan = res.scan;
    state.undoOpen = false;
    state.message = action.success(res);
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.code === 'idempotency_in_flight' && attempt < IN_FLIGHT_RETRIES) {
      state.busy = false;
      setTimeout(() => { if (!ctx.signal.aborted) run(till, action, attempt + 1); }, 1200);
      return;
    }
    // After a network error the same key is reused, so a retry cannot double-stamp.
    state.message = { kind: 'error', error: err, retry: err.code === 'network' ? () => run(till, action) : null };
    if (err.code === 'scan_expired') state.scan = null;
  } finally {
    state.busy = false;
  }
  draw(till);
}

/** What the member panel's buttons do (see staff-result.js). */
function tillActions(till) {
  const act = (action) => run(till, action);
  return {
    stamp: (n) => act({
      path: '/api/staff/stamps', key: newIdempotencyKey(), body: { scan_id: state.scan.scan_id, count: n },
      success: (res) => stampMessage(res),
    }),
    stampAmount: (ore) => act({
      path: '/api/staff/stamps', key: newIdempotencyKey(), body: { scan_id: state.scan.scan_id, amount_ore: ore },
      success: (res) => stampMessage(res),
    }),
    redeem: (reward) => act({
      path: '/api/staff/redemptions', key: newIdempotencyKey(), body: { scan_id: state.scan.scan_id, reward_id: reward.id },
      success: (res) => ({ kind: 'success', parts: [{ key: 'staff.redeemed', params: { title: (res.reward && res.reward.title) || reward.title } }] }),
    }),
    undo: (reason) => act({
      path: '/api/staff/undo', key: newIdempotencyKey(),
      body: { scan_id: state.scan.scan_id, ledger_id: state.scan.last_action.ledger_id, reason },
      success: () => ({ kind: 'success', parts: [{ key: 'staff.undone' }] }),
    }),
    openUndo: () => { state.undoOpen = true; draw(till); },
    closeUndo: () => { state.undoOpen = false; draw(till); },
    reset: () => {
      Object.assign(state, { scan: null, message: null, undoOpen: false, lastCode: '', lastCodeAt: 0, device: null });
      draw(till); // focus stays off the text field so a handheld scanner is decoded by key code
    },
  };
}

// Undo is only offered while the server's window is open: the countdown ticks, then it goes.
function followUndoWindow(till) {
  return setInterval(() => {
    const section = till.result.querySelector('[data-testid="undo-section"]');
    if (!section || section.hidden || !state.scan) return;
    if (!undoAvailable(state.scan)) { state.undoOpen = false; draw(till); return; }
    const left = section.querySelector('[data-testid="undo-left"]');
    if (left) left.textContent = undoLeftText(state.scan);
  }, 1000);
}

function stampMessage(res) {
  const card = res.scan.card || { stamps: 0, capacity: 0 };
  const params = { stamps: card.stamps, capacity: card.capacity };
  const parts = [];
  let kind = 'success';
  if (res.duplicate) {
    kind = 'warn';
    parts.push({ key: 'staff.duplicate', params });
  } else if (res.added > 0) {
    parts.push({ key: 'staff.added', params: { ...params, n: res.added } });
    if (res.capped) parts.push({ key: 'staff.capped', params: { n: res.added } });
  } else {
    kind = 'warn';
    parts.push({ key: 'err.daily_cap_reached' });
  }
  for (const r of res.rewards_issued || []) parts.push({ key: 'staff.rewardIssued', params: { title: r.title } });
  return { kind, parts };
}

async function startCamera(video, status, onCode) {
  scanner ||= new CameraScanner(onCode);
  scanner.onCode = onCode;
  await scanner.attach(video);
  const startButton = h('button', {
    type: 'button', class: 'button', testid: 'staff-camera-start', text: t('staff.cameraStart'),
    onclick: () => tryStart(),
  });
  async function tryStart() {
    clear(status);
    status.parentElement.classList.remove('camera-failed');
    try {
      await scanner.start();
      video.dataset.engine = scanner.engine || '';
    } catch (err) {
      console.warn('camera unavailable', err);
      status.parentElement.classList.add('camera-failed');
      status.append(h('p', { class: 'camera-error', role: 'status', testid: 'camera-error', text: t('staff.cameraDenied') }), startButton);
    }
  }
  await tryStart();
}

function stopCamera() {
  if (scanner) scanner.stop();
  scanner = null;
}

// A customer who is not a member yet scans this from the till screen: they join with this store
// as their source, counted as a staff sign-up on the owner's dashboard.
function joinCode(store) {
  const panel = h('div', { class: 'join-code', hidden: true, testid: 'staff-join-code' },
    h('img', {
      src: `/api/stores/${encodeURIComponent(store.slug)}/join-qr.svg?via=staff`, width: 220, height: 220,
      alt: t('staff.joinCodeAlt', { store: store.name }), testid: 'staff-join-qr',
    }),
    h('p', { class: 'hint', text: t('staff.joinCodeHint') }));
  const toggle = h('button', { type: 'button', class: 'button button-ghost', 'aria-expanded': 'false', testid: 'staff-join-toggle', text: t('staff.joinCodeShow') });
  toggle.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
    toggle.textContent = t(panel.hidden ? 'staff.joinCodeShow' : 'staff.joinCodeHide');
  });
  return h('div', { class: 'join-code-box' }, toggle, panel);
}
