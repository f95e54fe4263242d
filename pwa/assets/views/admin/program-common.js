// Shared by the setup screens (/admin/program, /admin/program/tiers, /admin/club): the
// sub-navigation between stamp cards, tiers, klippekort, points and the club's settings, kroner in words, Oslo dates.

import { h } from '../../dom.js';
import { getLang, locale, t } from '../../i18n.js';
import { isoDate, osloParts, osloToInstant } from '../../oslo-time.js';

export function programNav(current) {
  const item = (href, key, testid) => h('a', {
    class: ['sub-nav-item', current === href ? 'is-current' : null], href, testid,
    'aria-current': current === href ? 'page' : null, text: t(key),
  });
  return h('nav', { class: 'sub-nav', 'aria-label': t('program.nav.label') },
    item('/admin/program', 'program.nav.cards', 'program-nav-cards'),
    item('/admin/program/tiers', 'program.nav.tiers', 'program-nav-tiers'),
    item('/admin/program/prepaid', 'prepaid.admin.title', 'program-nav-prepaid'),
    item('/admin/program/points', 'points.admin.title', 'program-nav-points'),
    item('/admin/club', 'club.tab', 'program-nav-club'));
}

/** 24950 → "249,50 kr" ("kr 249.50" in English), whole kroner without decimals. */
export function formatKroner(ore) {
  const whole = ore % 100 === 0;
  const amount = new Intl.NumberFormat(locale(), { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 }).format(ore / 100);
  return getLang() === 'en' ? `NOK ${amount}` : `${amount} kr`;
}

/** øre → the text an owner edits ("249,50"; "100"). */
export function kronerText(ore) {
  if (ore == null) return '';
  const whole = Math.floor(ore / 100);
  const rest = ore % 100;
  return rest ? `${whole},${String(rest).padStart(2, '0')}` : String(whole);
}

/** An instant → its Oslo calendar day (YYYY-MM-DD); `lastDay` reads an exclusive end as the day before. */
export function osloDay(iso, { lastDay = false } = {}) {
  if (!iso) return '';
  const ms = Date.parse(iso) - (lastDay ? 1 : 0);
  return isoDate(osloParts(new Date(ms)));
}

/** "2026-12-01" → the instant that day starts in Oslo; with `after`, the next day's start (an inclusive last day). */
export function osloDayStart(day, { after = false } = {}) {
  if (!day) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (after ? 1 : 0)));
  const res = osloToInstant(isoDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }), '00:00');
  return res.iso || undefined;
}
