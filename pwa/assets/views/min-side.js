// /me, "Min side": the member's rewards (active, used, expired, withdrawn), the full history, the
// phones signed in (sign out one, the others, or all), a copy of all their data, and leaving the club.

import { h, nextId } from '../dom.js';
import { errorMessage, formatDate, formatDateTime, t } from '../i18n.js';
import { api } from '../api.js';
import { activityList, loadInto, loading, notice, pageTitle, rewardList, withBusy } from '../ui.js';
import { clearSnapshot } from '../member-store.js';
import { forgetDeviceKey } from '../device-key.js';
import { referralCard } from './referral.js';
import { consentsSection } from './me-consents.js';

export async function render(ctx) {
  ctx.setTitle(t('me.title'));
  const wait = loading();
  ctx.main.append(wait);
  const loaded = await loadInto(ctx, wait, (signal) => Promise.all([
    api.get('/api/me/rewards', { signal }),
    api.get('/api/me/history', { signal }),
    api.get('/api/me/sessions', { signal }),
  ]), { loginPath: '/login', title: t('me.title'), testid: 'me-error' });
  if (!loaded) return;
  const [rewards, history, sessions] = loaded;
  wait.replaceWith(
    pageTitle(t('me.title')),
    h('p', { class: 'lead', text: t('me.lead') }),
    rewardsCard(rewards),
    referralCard(ctx),
    historyCard(ctx, history),
    sessionsCard(ctx, sessions.sessions),
    consentsSection(ctx),
    dataCard(),
    leaveCard(ctx));
}

function rewardsCard(r) {
  const group = (key, items, extra) => (items.length
    ? h('div', { class: 'me-group', testid: `me-rewards-${key}` },
      h('h3', { text: t(`me.rewards.${key}`, { n: items.length }) }),
      rewardList(items, { itemExtra: extra }))
    : null);
  const past = (items) => items.map((x) => ({ ...x, expires_at: null, ended_at: x.expires_at })); // no "valid until"
  const line = (text) => h('p', { class: 'reward-expiry', text });
  const none = !r.active.length && !r.used.length && !r.expired.length && !r.revoked.length;
  return h('section', { class: 'card stack', 'aria-labelledby': 'me-rewards-h', testid: 'me-rewards' },
    h('h2', { id: 'me-rewards-h', text: t('me.rewards.title') }),
    none ? h('p', { class: 'muted', text: t('me.rewards.none') }) : null,
    group('active', r.active),
    group('used', past(r.used), (x) => line(t('me.rewards.usedAt', { date: formatDate(x.redeemed_at), store: x.redeemed_store || '' }))),
    group('expired', past(r.expired), (x) => line(t('me.rewards.expiredAt', { date: formatDate(x.ended_at) }))),
    group('revoked', past(r.revoked), (x) => line(t('me.rewards.revokedBecause', { reason: x.revoked_reason || '' }))));
}

function historyCard(ctx, first) {
  const list = h('div', { testid: 'me-history-list' }, first.entries.length ? activityList(first.entries) : h('p', { class: 'muted', text: t('me.history.none') }));
  const more = h('button', { type: 'button', class: 'button button-block', testid: 'me-history-more', text: t('me.history.more'), hidden: !first.next_cursor });
  const error = h('div');
  let cursor = first.next_cursor;
  more.addEventListener('click', () => withBusy(more, async () => {
    try {
      const page = await api.get(`/api/me/history?before=${cursor}`, { signal: ctx.signal });
      list.append(activityList(page.entries));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      error.replaceChildren();
    } catch (err) {
      if (err.name !== 'AbortError') error.replaceChildren(notice('error', errorMessage(err)));
    }
  }));
  return h('section', { class: 'card stack', 'aria-labelledby': 'me-history-h', testid: 'me-history' },
    h('h2', { id: 'me-history-h', text: t('me.history.title') }),
    h('p', { class: 'hint', text: t('me.history.hint') }),
    list, error, more);
}

function sessionsCard(ctx, sessions) {
  const card = h('section', { class: 'card stack', 'aria-labelledby': 'me-sessions-h', testid: 'me-sessions' });
  const draw = (message, error) => {
    const others = sessions.filter((s) => !s.this_device);
    card.replaceChildren(...[
      h('h2', { id: 'me-sessions-h', tabindex: '-1', text: t('me.sessions.title') }),
      h('p', { class: 'hint', text: t('me.sessions.hint') }),
      message ? notice('success', message, { testid: 'me-sessions-done' }) : null,
      error ? notice('error', errorMessage(error), { testid: 'me-sessions-error' }) : null,
      h('ul', { class: 'device-list' }, sessions.map((s) => h('li', { class: 'device-item', testid: 'me-session', dataset: { sessionId: String(s.id) } },
        h('div', {},
          h('strong', { text: s.device || t('me.sessions.unknown') }),
          s.this_device ? h('span', { class: 'muted', testid: 'me-session-this', text: ` · ${t('me.sessions.thisOne')}` }) : null,
          h('p', { class: 'hint', text: t('me.sessions.seen', { seen: formatDateTime(s.last_seen_at), since: formatDate(s.signed_in_at) }) })),
        s.this_device ? null : h('button', {
          type: 'button', class: 'button button-ghost button-small', testid: 'me-session-sign-out', text: t('me.sessions.signOut'),
          'aria-label': t('me.sessions.signOutLabel', { device: s.device || t('me.sessions.unknown') }),
          onclick: (event) => act(event.currentTarget, `/api/me/sessions/${s.id}/sign-out`, () => { sessions = sessions.filter((x) => x.id !== s.id); }),
        })))),
      others.length ? h('button', {
        type: 'button', class: 'button', testid: 'me-sign-out-others', text: t('me.sessions.signOutOthers'),
        onclick: (event) => act(event.currentTarget, '/api/me/sessions/sign-out-others', () => { sessions = sessions.filter((x) => x.this_device); }),
      }) : null,
      h('button', {
        type: 'button', class: 'button button-warn', testid: 'me-sign-out-all', text: t('me.sessions.signOutAll'),
        onclick: (event) => act(event.currentTarget, '/api/me/sessions/sign-out-all', async () => {
          await clearSnapshot(); // like logging out: no card or key left on this phone
          await forgetDeviceKey();
          ctx.navigate('/login', { replace: true });
          return true;
        }),
      }),
    ].filter(Boolean));
  };
  async function act(button, url, after) {
    await withBusy(button, async () => {
      try {
        const res = await api.post(url, undefined, { signal: ctx.signal });
        if ((await after()) === true) return;
        draw(t('me.sessions.done', { n: res.signed_out }));
        card.querySelector('h2').focus();
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (err.code === 'session_not_found') { after(); draw(); return; } // already gone
        draw(null, err);
      }
    });
  }
  draw();
  return card;
}

function dataCard() {
  return h('section', { class: 'card stack', 'aria-labelledby': 'me-data-h', testid: 'me-data' },
    h('h2', { id: 'me-data-h', text: t('me.data.title') }),
    h('p', { text: t('me.data.body') }),
    h('a', { class: 'button', href: '/api/me/export', download: '', testid: 'me-export', text: t('me.data.export') }));
}

// "Meld meg ut": says what happens, needs an explicit tick, then erases at once.
function leaveCard(ctx) {
  const id = nextId('leave');
  const tick = h('input', { type: 'checkbox', id, testid: 'me-leave-confirm' });
  const button = h('button', { type: 'button', class: 'button button-warn', testid: 'me-leave', text: t('me.leave.button'), disabled: true });
  const error = h('div');
  tick.addEventListener('change', () => { button.disabled = !tick.checked; });
  button.addEventListener('click', () => withBusy(button, async () => {
    try {
      await api.post('/api/me/leave', { confirm: true }, { signal: ctx.signal });
    } catch (err) {
      if (err.name !== 'AbortError') error.replaceChildren(notice('error', errorMessage(err), { testid: 'me-leave-error' }));
      return;
    }
    await clearSnapshot();
    await forgetDeviceKey();
    ctx.navigate('/join', { replace: true, flash: 'me.leave.done' });
  }));
  return h('section', { class: 'card stack', 'aria-labelledby': 'me-leave-h', testid: 'me-leave-section' },
    h('h2', { id: 'me-leave-h', text: t('me.leave.title') }),
    h('p', { text: t('me.leave.intro') }),
    h('ul', { class: 'plain-list' }, ['erased', 'rewards', 'kept', 'again'].map((k) => h('li', { text: t(`me.leave.${k}`) }))),
    h('label', { class: 'check', for: id }, tick, h('span', { text: t('me.leave.understand') })),
    error,
    button);
}

