// Shared by the owner screens: the owner-only guard, the options (tiers,
// interests, stores), campaign status chips, times and segments in words.

import { h } from '../../dom.js';
import { formatDate, getLang, locale, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loadInto, pageTitle } from '../../ui.js';
import { isoDate, osloParts, osloToInstant } from '../../oslo-time.js';

/**
 * The reaction to a failed owner-only API call: no session → the staff login;
 * a staff (non-owner) session → a friendly "only the owner" page in place of `target`.
 * Returns true when it took care of the error.
 */
export function handleOwnerError(ctx, err, target) {
  if (!err || err.name === 'AbortError') return true;
  if (err.code === 'not_authenticated') {
    ctx.navigate('/staff/login', { replace: true });
    return true;
  }
  return refused(ctx, err, target);
}

/**
 * An owner screen's first load (see loadInto): a missing session goes to the staff login, a
 * staff session gets the "only the owner" page, anything else the error with "Prøv igjen".
 */
export function loadOwnerScreen(ctx, wait, fetcher, options = {}) {
  return loadInto(ctx, wait, fetcher, {
    loginPath: '/staff/login', testid: 'admin-error', handled: (err) => refused(ctx, err, wait), ...options,
  });
}

function refused(ctx, err, target) {
  if (err.status !== 403 || err.code !== 'forbidden') return false;
  ctx.setTitle(t('admin.refusedTitle'));
  target.replaceWith(refusal());
  return true;
}

function refusal() {
  return h('section', { class: 'panel stack', testid: 'admin-refusal' },
    pageTitle(t('admin.refusedTitle')),
    h('p', { text: t('admin.refusedBody') }),
    h('p', {}, h('a', { class: 'button button-primary', href: '/staff', text: t('admin.toScanner') })));
}

let options = null;
/** GET /api/admin/campaigns/options, once per page load. */
export async function loadOptions(signal) {
  options ||= api.get('/api/admin/campaigns/options', { signal }).catch((err) => { options = null; throw err; });
  return options;
}

export function tierName(opts, code) {
  const tier = (opts.tiers || []).find((x) => x.code === code);
  if (!tier) return code;
  return getLang() === 'en' ? tier.name_en || tier.name_nb : tier.name_nb;
}

export function interestLabel(opts, code) {
  const it = (opts.interests || []).find((x) => x.code === code);
  if (!it) return code;
  return getLang() === 'en' ? it.label_en || it.label_nb : it.label_nb;
}

export function monthName(month) {
  return new Intl.DateTimeFormat(locale(), { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, month - 1, 1));
}

/** "onsdag 25. november kl. 10:00", always on an Oslo clock. */
export function formatWhenLong(iso) {
  return formatDate(iso, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
}

/** "ons. 25. nov., 10:00". */
export function formatWhen(iso) {
  return formatDate(iso, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function formatDay(ymd) {
  // A calendar day, not an instant: read it at noon UTC so no zone can move it.
  return formatDate(`${ymd}T12:00:00Z`, { day: 'numeric', month: 'long', year: 'numeric' });
}

/**
 * When a push due at `iso` really goes out: quiet hours (policy quiet_start–quiet_end, Oslo)
 * hold it until quiet_end. Returns the ISO instant it moves to, or null when it is not held.
 */
export function afterQuietHours(iso, policy = {}) {
  const toMinutes = (hhmm, fallback) => {
    const m = /^(\d{1,2}):(\d{2})/.exec(hhmm || '');
    return m ? Number(m[1]) * 60 + Number(m[2]) : fallback;
  };
  const start = toMinutes(policy.quiet_start, 21 * 60);
  const end = toMinutes(policy.quiet_end, 9 * 60);
  const p = osloParts(new Date(iso));
  const minute = p.hour * 60 + p.minute;
  const quiet = start > end ? minute >= start || minute < end : minute >= start && minute < end;
  if (!quiet) return null;
  const day = new Date(Date.UTC(p.year, p.month - 1, p.day + (start > end && minute >= start ? 1 : 0)));
  const date = isoDate({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() });
  const time = `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
  const moved = osloToInstant(date, time);
  return moved.iso || null;
}

export function statusChip(status, { testid = 'campaign-status' } = {}) {
  return h('span', { class: ['chip', `chip-${status}`], testid, dataset: { status }, text: t(`admin.status.${status}`) });
}

/** One line about when: "Sendes ons. 25. nov., 10:00" / "Sendt …" / "Avbrutt …". */
export function whenText(c) {
  if (c.status === 'scheduled') return t('admin.when.scheduled', { time: formatWhen(c.send_at) });
  if (c.status === 'cancelled') return t('admin.when.cancelled', { time: formatWhen(c.send_at) });
  const started = c.released_at || c.send_at;
  return t(c.status === 'sending' ? 'admin.when.sending' : 'admin.when.sent', { time: formatWhen(started) });
}

/** The segment in words, one line per filter. */
export function describeSegment(segment, opts) {
  const s = segment || {};
  const lines = [];
  if (s.tiers) lines.push(t('admin.seg.tiers', { list: listOf(s.tiers.map((c) => tierName(opts, c)), 'or') }));
  if (s.last_visit_before) lines.push(t('admin.seg.visitBefore', { date: formatDay(s.last_visit_before) }));
  if (s.last_visit_after) lines.push(t('admin.seg.visitAfter', { date: formatDay(s.last_visit_after) }));
  if (s.birthday_month) lines.push(t('admin.seg.birthday', { month: monthName(s.birthday_month) }));
  if (s.interests_any) lines.push(t('admin.seg.interests', { list: listOf(s.interests_any.map((c) => interestLabel(opts, c)), 'or') }));
  if (s.favourite_store_id != null) {
    const store = (opts.stores || []).find((x) => x.id === s.favourite_store_id);
    lines.push(t('admin.seg.store', { store: store ? store.name : `#${s.favourite_store_id}` }));
  }
  if (s.has_active_reward === true) lines.push(t('admin.seg.rewardYes'));
  if (s.has_active_reward === false) lines.push(t('admin.seg.rewardNo'));
  return lines.length ? lines : [t('admin.seg.everyone')];
}

/** "55,35 kr" / "NOK 55.35": an amount in kroner, always with øre. */
export function formatNok(value) {
  return new Intl.NumberFormat(locale(), {
    style: 'currency', currency: 'NOK', minimumFractionDigits: 2, maximumFractionDigits: 2,
  }).format(Number(value) || 0);
}

export function listOf(items, type = 'conjunction') {
  if (!items.length) return '';
  try {
    return new Intl.ListFormat(locale(), { style: 'long', type: type === 'or' ? 'disjunction' : type }).format(items);
  } catch {
    return items.join(', ');
  }
}

/** A campaign as a row in a list: title, status, channel, when, recipients and each channel's counts. */
export function campaignRow(c) {
  const channel = c.channel || 'push';
  return h('li', { class: 'campaign-item', testid: 'campaign-item', dataset: { campaignId: String(c.id), channel } },
    h('a', { class: 'campaign-link', href: `/admin/campaigns/${c.id}` },
      h('span', { class: 'campaign-item-head' },
        h('span', { class: 'campaign-item-title', text: c.title }),
        statusChip(c.status)),
      h('span', { class: 'campaign-item-channel', testid: 'campaign-item-channel', text: t(`admin.channel.${channel}`) }),
      h('span', { class: 'campaign-item-when', text: whenText(c) }),
      c.status === 'scheduled' || c.status === 'cancelled' ? null : rowStats(c, channel)));
}

/** "12 mottakere", then one line per channel that addressed someone. */
function rowStats(c, channel) {
  const s = c.stats || {};
  const email = s.email || {};
  const sms = s.sms || {};
  return h('span', { class: 'campaign-item-stats', testid: 'campaign-item-stats' },
    h('span', { text: t('admin.recipients', { n: s.recipients || 0 }) }),
    channel === 'push' || s.devices > 0
      ? h('span', { testid: 'campaign-item-push', text: t(channel === 'push' ? 'admin.sentDeliveredOpened' : 'admin.row.push', { sent: s.sent || 0, delivered: s.delivered || 0, opened: s.clicked || 0 }) })
      : null,
    channel === 'email' || email.addressed > 0
      ? h('span', { testid: 'campaign-item-email', text: t('admin.row.email', { sent: email.sent || 0, bounced: email.bounced || 0 }) })
      : null,
    channel === 'sms' || sms.addressed > 0
      ? h('span', { testid: 'campaign-item-sms', text: t('admin.row.sms', { sent: sms.sent || 0, delivered: sms.delivered || 0 }) })
      : null);
}
