// "Forsprang": higher tiers get the campaign a while before everyone else (a
// tier benefit). Works on the draft's `early` part; `value()` is the API's
// early_access (or null), `error()` the form's own check.

import { checkbox, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { tierName } from './common.js';

const MAX_LEAD_MINUTES = 7 * 24 * 60;

/**
 * A new campaign's early-access draft: on, with the tiers whose benefit (set in the tier editor)
 * is a head start and the longest of those head starts; off (higher tiers, 2 hours) when none has one.
 */
export function defaultEarly(opts) {
  const tiers = opts.tiers || [];
  const ahead = tiers.filter((x) => x.early_access_minutes > 0);
  if (!ahead.length) return { on: false, tiers: tiers.slice(1).map((x) => x.code), amount: '2', unit: 'hours' };
  const minutes = Math.min(MAX_LEAD_MINUTES, Math.max(...ahead.map((x) => x.early_access_minutes)));
  return minutes % 60 === 0
    ? { on: true, tiers: ahead.map((x) => x.code), amount: String(minutes / 60), unit: 'hours' }
    : { on: true, tiers: ahead.map((x) => x.code), amount: String(minutes), unit: 'minutes' };
}

export function earlyAccess(d, opts, errors, changed) {
  const e = d.early;
  const box = checkbox({ label: t('admin.early.label'), hint: t('admin.early.hint'), checked: e.on, testid: 'early-access' });
  const tiers = (opts.tiers || []).map((tier) => {
    const c = checkbox({ label: tierName(opts, tier.code), checked: e.tiers.includes(tier.code), testid: `early-tier-${tier.code}` });
    c.input.addEventListener('change', () => {
      e.tiers = e.tiers.filter((x) => x !== tier.code);
      if (c.input.checked) e.tiers.push(tier.code);
      errors.clear('early_access');
      changed();
    });
    return c.row;
  });
  const amount = h('input', { type: 'number', id: 'early-lead', name: 'early_lead', min: '1', max: '168', step: '1', inputmode: 'numeric', value: e.amount, testid: 'early-lead' });
  const unit = h('select', { id: 'early-unit', name: 'early_unit', testid: 'early-unit', 'aria-label': t('admin.early.unit') },
    h('option', { value: 'hours', text: t('admin.early.hours'), selected: e.unit === 'hours' }),
    h('option', { value: 'minutes', text: t('admin.early.minutes'), selected: e.unit === 'minutes' }));
  amount.addEventListener('input', () => { e.amount = amount.value; errors.clear('early_access'); changed(); });
  unit.addEventListener('change', () => { e.unit = unit.value; errors.clear('early_access'); changed(); });
  const details = h('div', { class: 'early-details' },
    h('fieldset', { class: 'fieldset sub-fieldset' }, h('legend', { text: t('admin.early.tiers') }), h('div', { class: 'check-grid' }, tiers)),
    h('div', { class: 'field lead-row' },
      h('label', { for: 'early-lead', text: t('admin.early.lead') }),
      h('div', { class: 'inline-inputs' }, amount, unit)));
  const slot = errors.slot('early_access', details);
  const draw = () => { details.hidden = !e.on; };
  box.input.addEventListener('change', () => { e.on = box.input.checked; errors.clear('early_access'); draw(); changed(); });
  draw();

  const minutes = () => Math.round(Number(e.amount) * (e.unit === 'hours' ? 60 : 1));
  return {
    element: h('section', { class: 'card early' }, h('h2', { text: t('admin.early.title') }), box.row, details, slot),
    /** The API's early_access, or null when off or not filled in properly. */
    value: () => (e.on && e.tiers.length && minutes() >= 1 && minutes() <= MAX_LEAD_MINUTES
      ? { tiers: [...e.tiers], lead_minutes: minutes() } : null),
    error: () => {
      if (!e.on) return '';
      if (!e.tiers.length) return t('admin.err.earlyTiers');
      if (!(minutes() >= 1 && minutes() <= MAX_LEAD_MINUTES)) return t('admin.err.earlyLead');
      return '';
    },
  };
}
