// The cards of the owner's dashboard (/admin/dashboard), drawn from one
// GET /api/admin/dashboard answer: key figures (`data-value` holds the raw number,
// empty for "no rate"), SVG charts with their numbers as a table, and a CSV link
// under each chart for the table behind it (same period, current language).

import { h } from '../../dom.js';
import { formatDate, getLang, locale, t } from '../../i18n.js';
import { barList, timeChart } from '../../charts.js';

export const fmtInt = (n) => new Intl.NumberFormat(locale()).format(n ?? 0);
/** 0.4167 → "42 %" (nb) / "42%" (en); null → "–". */
export const fmtRate = (r) => (r == null ? '–' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(r));
const fmtDecimal = (x) => (x == null ? '–' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(x));
// Calendar days, read at noon UTC so no time zone can move them.
export const dayShort = (ymd) => formatDate(`${ymd}T12:00:00Z`, { day: 'numeric', month: 'short' });
export const dayLong = (ymd) => formatDate(`${ymd}T12:00:00Z`, { day: 'numeric', month: 'long', year: 'numeric' });

/** Every card, in reading order. Returns { nodes, charts } (charts: to dispose). */
export function dashboardCards(d, { today }) {
  const charts = [];
  const keep = (chart) => { charts.push(chart); return chart; };
  const csv = (table, what) => csvLink(table, d.period, what);
  const nodes = [
    membersCard(d, keep, csv),
    activityCard(d, csv),
    stampsCard(d, keep, csv, today),
    signupsCard(d, keep, csv),
    rewardsCard(d, keep, csv),
    tiersCard(d, keep, csv),
    pushCard(d, keep, csv),
    campaignsCard(d, keep, csv),
    winbackCard(d, csv),
  ];
  return { nodes, charts };
}

function card(testid, titleKey, { wide = false } = {}, ...children) {
  const id = `${testid}-h`;
  return h('section', { class: ['card', 'dash-card', wide ? 'dash-wide' : null], testid, 'aria-labelledby': id },
    h('h2', { id, text: t(titleKey) }), ...children);
}

function kpis(...items) {
  return h('ul', { class: 'kpis dash-kpis' }, items);
}

/** One key figure; `value` is the raw number (or null for "no rate yet"). */
function kpi(testid, value, text, label, hint) {
  return h('li', { class: 'kpi', testid, dataset: { value: value == null ? '' : String(value) } },
    h('span', { class: 'kpi-value', text }),
    h('span', { class: 'kpi-label', text: label }),
    hint ? h('span', { class: 'kpi-hint', text: hint }) : null);
}

function csvLink(table, period, what) {
  const query = new URLSearchParams({ from: period.from, to: period.to, lang: getLang() });
  return h('a', {
    class: 'csv-link', href: `/api/admin/dashboard/${table}.csv?${query}`, download: '', testid: `dash-csv-${table}`,
  },
  h('svg:svg', { viewBox: '0 0 24 24', class: 'icon', 'aria-hidden': 'true', focusable: 'false' },
    h('svg:path', { d: 'M12 4v11m0 0l-4.5-4.5M12 15l4.5-4.5M5 19h14', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })),
  h('span', { text: t('admin.dash.csv') }),
  h('span', { class: 'visually-hidden', text: ` – ${what}` }));
}

const foot = (...links) => h('p', { class: 'dash-foot' }, links);
const numbers = () => t('admin.dash.numbers');

function membersCard(d, keep, csv) {
  const m = d.members;
  const title = t('admin.dash.members.chart');
  return card('dash-members', 'admin.dash.members.title', {},
    kpis(
      kpi('dash-members-total', m.total, fmtInt(m.total), t('admin.dash.members.total'), t('admin.dash.atEnd')),
      kpi('dash-members-new', m.new, fmtInt(m.new), t('admin.dash.members.new'), t('admin.dash.inPeriod'))),
    keep(timeChart({
      kind: 'bar', testid: 'dash-chart-members', caption: title, numbersLabel: numbers(), format: fmtInt,
      ariaLabel: t('admin.dash.members.aria', { title, n: fmtInt(m.new), total: fmtInt(m.total) }),
      points: m.weekly.map((w) => ({ label: dayShort(w.week), value: w.new, title: t('admin.dash.weekOf', { day: dayShort(w.week), n: fmtInt(w.new) }) })),
      table: {
        head: [t('admin.dash.col.week'), t('admin.dash.col.new'), t('admin.dash.col.total')],
        rows: m.weekly.map((w) => [dayLong(w.week), fmtInt(w.new), fmtInt(w.total)]),
      },
    })),
    foot(csv('members', title)));
}

function stampsCard(d, keep, csv, today) {
  const s = d.stamps;
  const last = s.daily[s.daily.length - 1] || { day: d.period.to, stamps: 0 };
  const lastLabel = last.day === today ? t('admin.dash.stamps.today') : t('admin.dash.stamps.lastDay', { day: dayShort(last.day) });
  const title = t('admin.dash.stamps.chart');
  return card('dash-stamps', 'admin.dash.stamps.title', { wide: true },
    kpis(
      kpi('dash-stamps-total', s.total, fmtInt(s.total), t('admin.dash.stamps.total'), t('admin.dash.inPeriod')),
      kpi('dash-stamps-last', last.stamps, fmtInt(last.stamps), lastLabel)),
    keep(timeChart({
      kind: 'line', testid: 'dash-chart-stamps', caption: title, numbersLabel: numbers(), format: fmtInt,
      ariaLabel: t('admin.dash.stamps.aria', { title, n: fmtInt(s.total), last: fmtInt(last.stamps), day: lastLabel.toLowerCase() }),
      points: s.daily.map((x) => ({ label: dayShort(x.day), value: x.stamps })),
      table: { head: [t('admin.dash.col.day'), t('admin.dash.col.stamps')], rows: s.daily.map((x) => [dayLong(x.day), fmtInt(x.stamps)]) },
    })),
    foot(csv('stamps', title)));
}

function activityCard(d, csv) {
  const a = d.activity;
  return card('dash-activity', 'admin.dash.activity.title', {},
    kpis(
      kpi('dash-active-30', a.active_30d, fmtInt(a.active_30d), t('admin.dash.activity.active30')),
      kpi('dash-active-90', a.active_90d, fmtInt(a.active_90d), t('admin.dash.activity.active90')),
      kpi('dash-repeat-rate', a.repeat_visit_rate, fmtRate(a.repeat_visit_rate), t('admin.dash.activity.repeat'),
        a.repeat_visit_rate == null ? t('admin.dash.activity.noVisitors')
          : t('admin.dash.activity.repeatHint', { n: fmtInt(a.repeat_visitors), visitors: fmtInt(a.visitors) })),
      kpi('dash-avg-visits', a.avg_visits_per_active, fmtDecimal(a.avg_visits_per_active), t('admin.dash.activity.avg'),
        a.avg_visits_per_active == null ? t('admin.dash.activity.noVisitors')
          : t('admin.dash.activity.avgHint', { n: fmtInt(a.visits), visitors: fmtInt(a.visitors) }))),
    h('p', { class: 'hint', text: t('admin.dash.activity.hint') }),
    foot(csv('summary', t('admin.dash.summary'))));
}

function signupsCard(d, keep, csv) {
  const s = d.signups;
  const total = s.by_store.reduce((sum, x) => sum + x.count, 0);
  const share = (n) => (total ? ` (${fmtRate(n / total)})` : '');
  const storeTitle = t('admin.dash.signups.byStore');
  const sourceTitle = t('admin.dash.signups.bySource');
  const stores = s.by_store.map((x) => ({ label: x.store || t('admin.dash.signups.noStore'), value: x.count, valueText: `${fmtInt(x.count)}${share(x.count)}` }));
  const sources = s.by_source.map((x) => ({ label: t(`admin.dash.source.${x.source}`), value: x.count, valueText: `${fmtInt(x.count)}${share(x.count)}`, tone: 2 }));
  const top = (items) => [...items].sort((a, b) => b.value - a.value)[0];
  const aria = (title, items) => (total
    ? t('admin.dash.signups.aria', { title, n: fmtInt(total), top: top(items).label, count: fmtInt(top(items).value) })
    : t('admin.dash.signups.ariaNone', { title }));
  return card('dash-signups', 'admin.dash.signups.title', {},
    h('p', { class: 'muted', text: t('admin.dash.signups.lead', { n: total }) }),
    keep(barList({
      testid: 'dash-chart-signups-store', caption: storeTitle, numbersLabel: numbers(), items: stores, ariaLabel: aria(storeTitle, stores),
      table: { head: [t('admin.dash.col.store'), t('admin.dash.col.new')], rows: stores.map((x) => [x.label, x.valueText]) },
    })),
    foot(csv('signups-store', storeTitle)),
    keep(barList({
      testid: 'dash-chart-signups-source', caption: sourceTitle, numbersLabel: numbers(), items: sources, ariaLabel: aria(sourceTitle, sources),
      table: { head: [t('admin.dash.col.source'), t('admin.dash.col.new')], rows: sources.map((x) => [x.label, x.valueText]) },
    })),
    s.referral_tracked ? null : h('p', { class: 'hint', text: t('admin.dash.signups.noReferral') }),
    foot(csv('signups-source', sourceTitle)));
}

function rewardsCard(d, keep, csv) {
  const r = d.rewards;
  const title = t('admin.dash.rewards.chart');
  const items = [
    { label: t('admin.dash.rewards.issued'), value: r.issued, valueText: fmtInt(r.issued), tone: 1 },
    { label: t('admin.dash.rewards.redeemed'), value: r.redeemed, valueText: fmtInt(r.redeemed), tone: 2 },
    { label: t('admin.dash.rewards.expired'), value: r.expired, valueText: fmtInt(r.expired), tone: 3 },
  ];
  return card('dash-rewards', 'admin.dash.rewards.title', {},
    kpis(
      kpi('dash-rewards-issued', r.issued, fmtInt(r.issued), t('admin.dash.rewards.issued')),
      kpi('dash-rewards-redeemed', r.redeemed, fmtInt(r.redeemed), t('admin.dash.rewards.redeemed')),
      kpi('dash-rewards-expired', r.expired, fmtInt(r.expired), t('admin.dash.rewards.expired')),
      kpi('dash-redemption-rate', r.redemption_rate, fmtRate(r.redemption_rate), t('admin.dash.rewards.rate'),
        r.redemption_rate == null ? t('admin.dash.rewards.rateNone') : t('admin.dash.rewards.rateHint'))),
    keep(barList({
      testid: 'dash-chart-rewards', caption: title, numbersLabel: numbers(), items,
      ariaLabel: t('admin.dash.rewards.aria', { title, issued: fmtInt(r.issued), redeemed: fmtInt(r.redeemed), expired: fmtInt(r.expired), rate: fmtRate(r.redemption_rate) }),
      table: { head: [t('admin.dash.col.what'), t('admin.dash.col.count')], rows: items.map((x) => [x.label, x.valueText]) },
    })),
    foot(csv('rewards', t('admin.dash.rewards.csvWhat'))));
}

function tiersCard(d, keep, csv) {
  const total = d.tiers.reduce((sum, x) => sum + x.count, 0);
  const title = t('admin.dash.tiers.chart');
  const items = d.tiers.map((x) => ({
    label: getLang() === 'en' ? x.name_en || x.name_nb : x.name_nb,
    value: x.count,
    valueText: total ? `${fmtInt(x.count)} (${fmtRate(x.count / total)})` : fmtInt(x.count),
  }));
  return card('dash-tiers', 'admin.dash.tiers.title', {},
    keep(barList({
      testid: 'dash-chart-tiers', caption: title, numbersLabel: numbers(), items, max: total,
      ariaLabel: t('admin.dash.tiers.aria', { title, list: items.map((x) => `${x.label} ${x.valueText}`).join(', ') }),
      table: { head: [t('admin.dash.col.tier'), t('admin.dash.col.members')], rows: items.map((x) => [x.label, x.valueText]) },
    })),
    h('p', { class: 'hint', text: t('admin.dash.tiers.hint') }),
    foot(csv('tiers', title)));
}

function pushCard(d, keep, csv) {
  const p = d.push;
  const title = t('admin.dash.push.chart');
  const items = [
    { label: t('admin.dash.push.on'), value: p.push_members, valueText: `${fmtInt(p.push_members)} (${fmtRate(p.push_opt_in_rate)})`, tone: 1 },
    { label: t('admin.dash.push.offers'), value: p.offers_consent, valueText: `${fmtInt(p.offers_consent)} (${fmtRate(p.offers_consent_rate)})`, tone: 2 },
  ];
  const none = t('admin.dash.push.noMembers');
  return card('dash-push', 'admin.dash.push.title', {},
    kpis(
      kpi('dash-push-rate', p.push_opt_in_rate, fmtRate(p.push_opt_in_rate), t('admin.dash.push.rate'),
        p.push_opt_in_rate == null ? none : t('admin.dash.push.ofMembers', { n: fmtInt(p.push_members), total: fmtInt(p.members) })),
      kpi('dash-offers-rate', p.offers_consent_rate, fmtRate(p.offers_consent_rate), t('admin.dash.push.offersRate'),
        p.offers_consent_rate == null ? none : t('admin.dash.push.ofMembers', { n: fmtInt(p.offers_consent), total: fmtInt(p.members) }))),
    keep(barList({
      testid: 'dash-chart-push', caption: title, numbersLabel: numbers(), items, max: p.members,
      ariaLabel: t('admin.dash.push.aria', { title, rate: fmtRate(p.push_opt_in_rate), offers: fmtRate(p.offers_consent_rate) }),
      table: { head: [t('admin.dash.col.what'), t('admin.dash.col.members')], rows: items.map((x) => [x.label, x.valueText]) },
    })),
    h('p', { class: 'hint', text: t('admin.dash.push.hint') }),
    foot(csv('summary', t('admin.dash.summary'))));
}

const SHOWN_CAMPAIGNS = 5;

function campaignsCard(d, keep, csv) {
  const list = [...d.campaigns].sort((a, b) => String(b.released_at).localeCompare(String(a.released_at)));
  const shown = list.slice(0, SHOWN_CAMPAIGNS);
  return card('dash-campaigns', 'admin.dash.campaigns.title', {},
    list.length ? null : h('p', { class: 'muted', testid: 'dash-campaigns-none', text: t('admin.dash.campaigns.none') }),
    shown.map((c) => {
      const items = [
        { label: t('admin.dash.campaigns.recipients'), value: c.recipients, valueText: fmtInt(c.recipients), tone: 3 },
        { label: t('admin.dash.campaigns.delivered'), value: c.delivered, valueText: fmtInt(c.delivered), tone: 1 },
        { label: t('admin.dash.campaigns.clicked'), value: c.clicked, valueText: `${fmtInt(c.clicked)} (${fmtRate(c.click_rate)})`, tone: 2 },
      ];
      const caption = t('admin.dash.campaigns.caption', { title: c.title, day: formatDate(c.released_at, { day: 'numeric', month: 'short' }) });
      const chart = keep(barList({
        testid: 'dash-chart-campaign', caption, numbersLabel: numbers(), items, max: c.recipients,
        ariaLabel: t('admin.dash.campaigns.aria', { title: caption, delivered: fmtInt(c.delivered), recipients: fmtInt(c.recipients), clicked: fmtInt(c.clicked), rate: fmtRate(c.click_rate) }),
        table: { head: [t('admin.dash.col.what'), t('admin.dash.col.count')], rows: items.map((x) => [x.label, x.valueText]) },
      }));
      chart.dataset.campaignId = String(c.id);
      return chart;
    }),
    list.length > shown.length ? h('p', { class: 'hint', text: t('admin.dash.campaigns.more', { n: list.length - shown.length }) }) : null,
    list.length ? h('p', { class: 'hint', text: t('admin.dash.campaigns.hint') }) : null,
    foot(csv('campaigns', t('admin.dash.campaigns.title'))));
}

function winbackCard(d, csv) {
  const w = d.winback;
  return card('dash-winback', 'admin.dash.winback.title', {},
    kpis(
      kpi('dash-winback-messaged', w.messaged, fmtInt(w.messaged), t('admin.dash.winback.messaged')),
      kpi('dash-winback-won', w.won_back, fmtInt(w.won_back), t('admin.dash.winback.won', { n: w.window_days })),
      kpi('dash-winback-rate', w.rate, fmtRate(w.rate), t('admin.dash.winback.rate'),
        w.rate == null ? t('admin.dash.winback.none') : null)),
    h('p', { class: 'hint', text: t('admin.dash.winback.hint', { n: w.window_days }) }),
    foot(csv('summary', t('admin.dash.summary'))));
}
