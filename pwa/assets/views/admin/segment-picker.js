// "Hvem skal få den?": tiers, last visit, birthday month, interests, favourite
// store and active reward. Works on a plain draft object; `toSegment` turns it
// into the API's Segment (null = no filter; nothing ticked = everyone).

import { checkbox, field, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { interestLabel, monthName, tierName } from './common.js';

export function emptySegmentDraft() {
  return { tiers: [], visitBefore: '', visitAfter: '', birthdayMonth: '', interests: [], store: '', reward: 'any' };
}

export function toSegment(d) {
  return {
    tiers: d.tiers.length ? [...d.tiers] : null,
    last_visit_before: d.visitBefore || null,
    last_visit_after: d.visitAfter || null,
    birthday_month: d.birthdayMonth ? Number(d.birthdayMonth) : null,
    interests_any: d.interests.length ? [...d.interests] : null,
    favourite_store_id: d.store ? Number(d.store) : null,
    has_active_reward: d.reward === 'yes' ? true : d.reward === 'no' ? false : null,
  };
}

/** True when the segment filters on history, which needs the personalised-offers consent. */
export function usesHistory(d) {
  return Boolean(d.visitBefore || d.visitAfter || d.interests.length || d.store || d.reward !== 'any');
}

/**
 * The picker. `onChange` runs after every change. Returns {element, error}, where
 * `error` is the inline error slot for server messages about the segment.
 */
export function segmentPicker(d, opts, onChange) {
  // `s` is what the parts below share: the draft, the options, the history note and `changed`.
  const s = {
    d, opts, onChange,
    historyNote: h('p', { class: 'consent-note', testid: 'segment-history-note', text: t('admin.seg.historyNote') }),
  };
  s.changed = () => changed(s);
  const tiers = tiersGroup(s);
  const month = monthField(s);
  const interests = interestsGroup(s);
  const store = storeField(s);
  const reward = rewardGroup(s);
  s.historyNote.classList.toggle('is-active', usesHistory(d));
  const error = h('p', { class: 'field-error', role: 'alert', id: 'segment-error', testid: 'error-segment' });
  const element = h('fieldset', { class: 'card fieldset segment-picker', 'aria-describedby': 'segment-lead' },
    h('legend', { class: 'card-legend', text: t('admin.seg.title') }),
    h('p', { class: 'hint', id: 'segment-lead', text: t('admin.seg.lead') }),
    tiers,
    month,
    historyFilters(s, interests, store, reward),
    error);
  return { element, error };
}

/** After every change: the consent note lights up while the segment looks at history. */
function changed(s) {
  s.historyNote.classList.toggle('is-active', usesHistory(s.d));
  s.onChange();
}

/** A checkbox per code (a tier, an interest) that keeps `list` in step with what is ticked. */
function codeBoxes(s, items, list, testidPrefix, label) {
  return items.map((item) => {
    const box = checkbox({ label: label(item.code), checked: list.includes(item.code), testid: `${testidPrefix}-${item.code}` });
    box.input.value = item.code;
    box.input.addEventListener('change', () => {
      const at = list.indexOf(item.code);
      if (box.input.checked && at < 0) list.push(item.code);
      if (!box.input.checked && at >= 0) list.splice(at, 1);
      s.changed();
    });
    return box.row;
  });
}

function tiersGroup(s) {
  const { d, opts } = s;
  return h('fieldset', { class: 'fieldset sub-fieldset' },
    h('legend', { text: t('admin.seg.tiersLabel') }),
    h('div', { class: 'check-grid' }, codeBoxes(s, opts.tiers || [], d.tiers, 'segment-tier', (c) => tierName(opts, c))),
    h('p', { class: 'hint', text: t('admin.seg.tiersHint') }));
}

function monthField(s) {
  const { d } = s;
  const month = field({
    label: t('admin.seg.birthdayLabel'),
    input: h('select', { name: 'birthday_month', testid: 'segment-birthday-month' },
      h('option', { value: '', text: t('admin.seg.anyMonth') }),
      Array.from({ length: 12 }, (_, i) => h('option', {
        value: String(i + 1), text: capitalise(monthName(i + 1)), selected: d.birthdayMonth === String(i + 1),
      }))),
  });
  month.input.addEventListener('change', () => { d.birthdayMonth = month.input.value; s.changed(); });
  return month.row;
}

// ---- the filters on a member's history (they need the personalised-offers consent)

function historyFilters(s, interests, store, reward) {
  return h('div', { class: 'history-filters' },
    h('h3', { text: t('admin.seg.historyTitle') }),
    s.historyNote,
    h('fieldset', { class: 'fieldset', 'aria-describedby': 'visit-hint' },
      h('legend', { text: t('admin.seg.visitLabel') }),
      h('div', { class: 'date-pair' },
        dateField(s, 'visitAfter', t('admin.seg.visitAfterLabel'), 'segment-visit-after'),
        dateField(s, 'visitBefore', t('admin.seg.visitBeforeLabel'), 'segment-visit-before')),
      h('p', { class: 'hint', id: 'visit-hint', text: t('admin.seg.visitHint') })),
    interests,
    store,
    reward);
}

function dateField(s, key, label, testid) {
  const { d } = s;
  const f = field({ label, input: h('input', { type: 'date', name: key, value: d[key], testid }) });
  f.input.addEventListener('input', () => { d[key] = f.input.value; s.changed(); });
  return f.row;
}

/** The interests as checkboxes, or null when the club has none. */
function interestsGroup(s) {
  const { d, opts } = s;
  if (!(opts.interests || []).length) return null;
  return h('fieldset', { class: 'fieldset sub-fieldset' },
    h('legend', { text: t('admin.seg.interestsLabel') }),
    h('div', { class: 'check-grid' }, codeBoxes(s, opts.interests, d.interests, 'segment-interest', (c) => interestLabel(opts, c))),
    h('p', { class: 'hint', text: t('admin.seg.interestsHint') }));
}

function storeField(s) {
  const { d, opts } = s;
  const store = field({
    label: t('admin.seg.storeLabel'),
    input: h('select', { name: 'favourite_store_id', testid: 'segment-store' },
      h('option', { value: '', text: t('admin.seg.anyStore') }),
      (opts.stores || []).map((x) => h('option', { value: String(x.id), text: x.name, selected: d.store === String(x.id) }))),
  });
  store.input.addEventListener('change', () => { d.store = store.input.value; s.changed(); });
  return store.row;
}

function rewardGroup(s) {
  const { d } = s;
  return h('fieldset', { class: 'fieldset sub-fieldset' },
    h('legend', { text: t('admin.seg.rewardLabel') }),
    h('div', { class: 'segmented' }, ['any', 'yes', 'no'].map((value) => {
      const id = `segment-reward-${value}`;
      const input = h('input', { type: 'radio', name: 'has_active_reward', id, value, checked: d.reward === value, testid: id });
      input.addEventListener('change', () => { if (input.checked) { d.reward = value; s.changed(); } });
      return h('span', { class: 'segmented-item' }, input, h('label', { for: id, text: t(`admin.seg.reward.${value}`) }));
    })));
}

function capitalise(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
