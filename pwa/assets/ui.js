// Shared pieces used by member and staff screens.

import { h } from './dom.js';
import { errorMessage, formatDate, formatDateTime, has, t } from './i18n.js';

/** The stamp card as a row of circles plus a readable "7 av 10 stempler". */
export function stampCard(card, { testidPrefix = '' } = {}) {
  if (!card) return h('section', { class: 'card stamp-card empty' }, h('p', { text: t('card.none') }));
  const capacity = Math.max(1, card.capacity);
  const filled = Math.min(card.stamps, capacity);
  const label = t('card.stampsOf', { n: card.stamps, total: capacity });
  const dots = [];
  for (let i = 0; i < capacity; i += 1) {
    dots.push(h('li', { class: i < filled ? 'stamp filled' : 'stamp' },
      i < filled ? stampMark() : h('span', { class: 'stamp-num', text: String(i + 1) })));
  }
  return h('section', { class: 'card stamp-card', 'aria-label': card.program_name },
    h('div', { class: 'stamp-card-head' },
      h('h2', { class: 'program-name', text: card.program_name }),
      h('p', { class: 'stamp-count', testid: `${testidPrefix}stamp-count`, text: label })),
    h('ol', { class: 'stamps', 'aria-hidden': 'true', dataset: { capacity: String(capacity) } }, dots),
    card.reward_text ? h('p', { class: 'reward-hint', text: t('card.rewardAt', { reward: card.reward_text }) }) : null);
}

function stampMark() {
  // A simple coffee-bean-like check drawn in SVG; decorative only.
  return h('svg:svg', { viewBox: '0 0 24 24', class: 'stamp-icon', focusable: 'false' },
    h('svg:path', { d: 'M6 12.5l4 4 8-9', fill: 'none', stroke: 'currentColor', 'stroke-width': '2.6', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }));
}

export function tierBadge(tier, { testid = 'tier-badge' } = {}) {
  // The hidden "Nivå:" gives screen readers context; the test id holds only the name.
  return h('span', { class: ['tier-badge', `tier-${String(tier.code || '').toLowerCase()}`] },
    h('span', { class: 'visually-hidden', text: `${t('tier.label')}: ` }), h('span', { testid, text: tier.name }));
}

export function tierProgress(progress) {
  if (!progress) return null;
  const next = progress.next;
  const pct = Math.round(Math.max(0, Math.min(1, progress.fraction || 0)) * 100);
  const text = next ? t('tier.toNext', { n: progress.remaining, tier: next.name }) : t('tier.top');
  const bar = h('div', {
    class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': String(next ? pct : 100), 'aria-valuetext': text,
    'aria-label': next ? t('tier.progressLabel', { tier: next.name }) : text,
    testid: 'tier-progress-bar',
  }, h('div', { class: 'progress-fill' }));
  bar.firstChild.style.width = `${next ? pct : 100}%`;
  return h('div', { class: 'tier-progress' },
    h('p', { class: 'tier-progress-text', testid: 'tier-progress-text', text }),
    bar,
    h('p', { class: 'hint', text: t('tier.window', { days: progress.window_days || 365 }) }));
}

export function rewardList(rewards, { itemExtra } = {}) {
  return h('ul', { class: 'reward-list' }, rewards.map((r) => h('li', {
    class: 'reward', testid: 'reward-item', dataset: { rewardId: String(r.id) },
  },
  h('span', { class: 'reward-icon', 'aria-hidden': 'true', text: '★' }),
  h('div', { class: 'reward-body' },
    h('p', { class: 'reward-title', text: r.title }),
    r.expires_at ? h('p', { class: 'reward-expiry', text: t('reward.validUntil', { date: formatDate(r.expires_at) }) }) : null),
  itemExtra ? itemExtra(r) : null)));
}

export function activityList(items) {
  return h('ul', { class: 'activity-list' }, items.map((a) => {
    const key = `activity.${a.kind}`;
    const title = a.kind === 'stamp' || a.kind === 'bonus' || a.kind === 'void'
      ? t(key, { n: Math.abs(a.stamps) })
      : t(key, { n: a.stamps });
    // Machine reasons ("visit") get a friendly word; staff-typed reasons show as written.
    const reasonKey = `reason.${(a.reason || '').split(':')[0]}`; // "tier_reached:gull" → reason.tier_reached
    const reason = a.reason && has(reasonKey) ? t(reasonKey) : a.reason;
    const bits = [reason, a.store].filter(Boolean).join(' · ');
    return h('li', { class: ['activity', `activity-${a.kind}`], testid: 'activity-item' },
      h('div', {},
        h('p', { class: 'activity-title', text: title === key ? a.kind : title }),
        bits ? h('p', { class: 'activity-reason', text: bits }) : null),
      h('time', { class: 'activity-time', datetime: a.at, text: formatDateTime(a.at) }));
  }));
}

/** An inline message box. kind: 'error' | 'success' | 'info' | 'warn'. */
export function notice(kind, text, { testid, live = true } = {}) {
  const role = !live ? null : kind === 'error' ? 'alert' : 'status';
  return h('div', { class: ['notice', `notice-${kind}`], role, testid, text });
}

export function pageTitle(text, extra = {}) {
  // tabindex=-1 lets the router move focus here after navigation.
  return h('h1', { tabindex: '-1', class: 'page-title', ...extra, text });
}

export function loading() {
  return h('p', { class: 'loading', role: 'status', text: t('app.loading') });
}

/**
 * The load a screen (or a section of one) starts with, and the one way it fails. `wait` is the
 * "Laster …" placeholder already on the page; `fetcher(signal)` gets what the screen needs.
 * Resolves to that, or to null when there is nothing more to draw: the screen was left, the
 * visitor was sent to log in, or the failure now stands where `wait` was (a title, the error and
 * "Prøv igjen"), so a view goes on with `if (!data) return;`.
 *
 * Options, all optional:
 *   loginPath    where a missing session (401) goes, e.g. '/login'; null shows it as an error
 *   title        the page heading above the error (leave it out in a section that keeps its own)
 *   testid       the error notice's data-testid
 *   message      err → the text (default errorMessage)
 *   warnOffline  a lost connection is a warning, not an error (the member's screens)
 *   missing      a 404 is said kindly, as info: { title, text, testid, href, link }
 *   retry        what "Prøv igjen" does (default: draw the screen again); null: no button
 *   actions      more links after the button; the button and they then share one row
 *   handled      (err) => true when the screen took care of this error itself (the owner-only page)
 */
export async function loadInto(ctx, wait, fetcher, options = {}) {
  try {
    return await fetcher(ctx.signal);
  } catch (err) {
    if (err && err.name === 'AbortError') return null; // the visitor went elsewhere
    if (options.loginPath && (err.status === 401 || err.code === 'not_authenticated')) {
      ctx.navigate(options.loginPath, { replace: true });
      return null;
    }
    if (options.handled && options.handled(err)) return null;
    wait.replaceWith(...loadFailure(ctx, err, options));
    return null;
  }
}

function loadFailure(ctx, err, {
  title, testid, message = errorMessage, warnOffline = false, missing, retry = () => ctx.refresh(), actions,
}) {
  const gone = Boolean(missing) && err.status === 404;
  const kind = gone ? 'info' : warnOffline && err.code === 'network' ? 'warn' : 'error';
  const heading = gone && missing.title ? missing.title : title;
  const way = gone
    ? missing.href && h('a', { class: 'button', href: missing.href, text: missing.link })
    : retry && h('button', { type: 'button', class: 'button', text: t('common.retry'), onclick: retry });
  const buttons = actions ? h('div', { class: 'row-actions' }, way || null, ...actions) : way;
  return [
    heading ? pageTitle(heading) : null,
    notice(kind, gone ? missing.text : message(err), { testid: gone ? missing.testid || testid : testid }),
    buttons || null,
  ].filter(Boolean);
}

export function formatMemberNumber(n) {
  // Grouped for reading aloud at the till: 1234 5678 or 123 456 789.
  const s = String(n || '');
  if (s.length === 8) return `${s.slice(0, 4)} ${s.slice(4)}`;
  if (s.length === 9) return `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}`;
  return s;
}

/** A button that shows a busy state while `fn` runs; returns the button. */
export async function withBusy(button, fn) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** The last day something valid "until" an instant works (a klippekort): the instant is the first that no longer does. */
export function lastDay(iso) {
  return formatDate(new Date(Date.parse(iso) - 1));
}
