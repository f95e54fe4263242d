// /admin/program/tiers: the tier ladder (names, thresholds, benefits) and the
// window stamps count over, with a live preview of how many members would be in
// each tier before "Lagre". Saving never moves anyone down.

import { h } from '../../dom.js';
import { getLang, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { ownerErrorMessage } from './form-errors.js';
import { loadTeamScreen } from './team-common.js';
import { programNav } from './program-common.js';

const PREVIEW_DELAY_MS = 400;
const MIN_TIERS = 2;
const MAX_TIERS = 6;

export async function render(ctx) {
  ctx.setTitle(t('tiers.title'));
  const wait = loading();
  ctx.main.append(wait);
  const ladder = await loadTeamScreen(ctx, wait, (signal) => api.get('/api/admin/tiers', { signal }), 'tiers.title', '/admin');
  if (!ladder) return;
  wait.replaceWith(
    programNav('/admin/program/tiers'),
    h('div', { class: 'admin-head' }, pageTitle(t('tiers.title')), h('p', { class: 'lead', text: t('tiers.lead') })),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : '',
    tierEditor(ctx, ladder));
}

// The editor's parts (the rows being edited, the window, the preview, the error slots) live in
// one object `e` that the steps below share.
function tierEditor(ctx, ladder) {
  const e = {
    ctx,
    rows: ladder.tiers.map((x) => ({ ...x, isNew: false })),
    windowDays: ladder.window_days,
    list: h('div', { class: 'tier-rows stack', testid: 'tier-rows' }),
    previewBox: h('div', { class: 'tier-preview', testid: 'tier-preview', 'aria-live': 'polite' }),
    formError: h('p', { class: 'form-error', role: 'alert', testid: 'tiers-form-error' }),
    windowError: h('p', { class: 'field-error', id: 'tiers-window-error', testid: 'error-window_days' }),
    timer: null,
    previewAbort: null,
  };
  e.windowInput = h('input', { type: 'number', id: 'tiers-window', inputmode: 'numeric', min: '30', max: '730', step: '1', value: String(e.windowDays), testid: 'tiers-window', 'aria-describedby': 'tiers-window-hint tiers-window-error' });
  e.windowInput.addEventListener('input', () => { e.windowDays = Number(e.windowInput.value); changed(e); });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'tiers-save', text: t('tiers.save') });
  const form = h('form', { class: 'stack', novalidate: true, testid: 'tiers-form' },
    h('section', { class: 'card stack' },
      h('div', { class: 'field' },
        h('label', { for: 'tiers-window', text: t('tiers.window') }), e.windowInput,
        h('p', { class: 'hint', id: 'tiers-window-hint', text: t('tiers.windowHint') }), e.windowError)),
    e.list,
    h('div', {}, addTierButton(e)),
    h('section', { class: 'card stack', 'aria-labelledby': 'tiers-preview-h' },
      h('h2', { id: 'tiers-preview-h', text: t('tiers.previewTitle') }),
      e.previewBox,
      h('p', { class: 'hint', text: t('tiers.noDemotion') })),
    e.formError, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(e, submit);
  });

  drawRows(e);
  preview(e);
  ctx.onCleanup(() => { clearTimeout(e.timer); if (e.previewAbort) e.previewAbort.abort(); });
  return form;
}

function addTierButton(e) {
  const button = h('button', { type: 'button', class: 'button button-small', testid: 'tier-add', text: t('tiers.add') });
  button.addEventListener('click', () => {
    const last = e.rows[e.rows.length - 1];
    e.rows.push({ code: '', name_nb: '', name_en: '', threshold: (last ? last.threshold : 0) + 10, stamp_multiplier: 1, extra_reward_text: '', early_access_minutes: 0, members: 0, isNew: true });
    drawRows(e);
    changed(e);
    e.list.lastElementChild.querySelector('input').focus();
  });
  return button;
}

/** A new tier's code from its Norwegian name: "Sølv" → "solv". */
function slug(text) {
  return text.toLowerCase().normalize('NFKD').replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 20);
}

function drawRows(e) {
  e.list.replaceChildren(...e.rows.map((row, i) => tierRow(e, row, i)));
}

function tierRow(e, row, i) {
  const id = (name) => `tier-${i}-${name}`;
  const input = (name, attrs, onValue) => {
    const el = h('input', { id: id(name), ...attrs, testid: `tier-${name}-${i}` });
    el.addEventListener('input', () => { onValue(el.value); changed(e); });
    return el;
  };
  const labelled = (name, label, el, hint) => h('div', { class: 'field' },
    h('label', { for: id(name), text: label }), el, hint ? h('p', { class: 'hint', text: hint }) : null);
  const error = h('p', { class: 'field-error', role: 'alert', testid: `tier-error-${i}` });
  // Never fewer than MIN_TIERS, never the first tier, never a tier that has members.
  const remove = e.rows.length > MIN_TIERS && i > 0 && !row.members
    ? h('button', { type: 'button', class: 'button button-ghost button-small', testid: `tier-remove-${i}`, text: t('tiers.remove'),
      onclick: () => { e.rows.splice(i, 1); drawRows(e); changed(e); } })
    : null;
  const threshold = input('threshold', { type: 'number', inputmode: 'numeric', min: '0', step: '1', value: String(row.threshold), disabled: i === 0 },
    (v) => { row.threshold = Number(v); });
  const multiplier = h('select', { id: id('multiplier'), testid: `tier-multiplier-${i}` },
    [1, 2, 3, 4, 5].map((n) => h('option', { value: String(n), selected: n === row.stamp_multiplier, text: `×${n}` })));
  multiplier.addEventListener('change', () => { row.stamp_multiplier = Number(multiplier.value); changed(e); });
  return h('fieldset', { class: 'card tier-row', testid: 'tier-row', dataset: { code: row.code } },
    h('legend', { class: 'card-legend', text: row.name_nb || t('tiers.newTier') }),
    h('div', { class: 'tier-grid' },
      labelled('name_nb', t('tiers.nameNb'), input('name_nb', { type: 'text', maxlength: '40', value: row.name_nb }, (v) => {
        row.name_nb = v;
        if (row.isNew) row.code = slug(v);
      })),
      labelled('name_en', t('tiers.nameEn'), input('name_en', { type: 'text', maxlength: '40', value: row.name_en }, (v) => { row.name_en = v; })),
      labelled('threshold', t('tiers.threshold'), threshold, i === 0 ? t('tiers.firstIsZero') : null),
      labelled('multiplier', t('tiers.multiplier'), multiplier),
      labelled('extra', t('tiers.extraReward'), input('extra', { type: 'text', maxlength: '120', value: row.extra_reward_text, placeholder: t('tiers.extraRewardPlaceholder') }, (v) => { row.extra_reward_text = v; }), t('tiers.extraRewardHint')),
      labelled('early', t('tiers.earlyAccess'), input('early', { type: 'number', inputmode: 'numeric', min: '0', max: '10080', step: '15', value: String(row.early_access_minutes) }, (v) => { row.early_access_minutes = Number(v); }), t('tiers.earlyAccessHint'))),
    error,
    remove);
}

function requestBody(e) {
  return {
    window_days: e.windowDays,
    tiers: e.rows.map((r) => ({
      code: r.code, name_nb: r.name_nb, name_en: r.name_en, threshold: r.threshold,
      stamp_multiplier: r.stamp_multiplier, extra_reward_text: r.extra_reward_text, early_access_minutes: r.early_access_minutes,
    })),
  };
}

function clearErrors(e) {
  e.windowError.textContent = '';
  e.windowInput.removeAttribute('aria-invalid');
  e.formError.textContent = '';
  for (const el of e.list.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of e.list.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** A server error next to its field: the window, a tier row (`tiers[i].field`), or the form. */
function showError(e, err) {
  const message = ownerErrorMessage(err);
  const b = err.body || {};
  if (b.field === 'window_days') {
    e.windowError.textContent = message;
    e.windowInput.setAttribute('aria-invalid', 'true');
    return e.windowInput;
  }
  const m = /^tiers\[(\d+)\]\.(\w+)$/.exec(b.field || '');
  const row = m && e.list.children[Number(m[1])];
  if (row) {
    row.querySelector('.field-error').textContent = message;
    const name = { name_nb: 'name_nb', code: 'name_nb', threshold: 'threshold', stamp_multiplier: 'multiplier', extra_reward_text: 'extra', early_access_minutes: 'early' }[m[2]];
    const input = name && row.querySelector(`#tier-${m[1]}-${name}`);
    if (input) input.setAttribute('aria-invalid', 'true');
    return input || row;
  }
  e.formError.textContent = message;
  return null;
}

// The preview asks again a moment after the last change, never once per keystroke.
function changed(e) {
  clearTimeout(e.timer);
  e.timer = setTimeout(() => preview(e), PREVIEW_DELAY_MS);
}

async function preview(e) {
  if (e.previewAbort) e.previewAbort.abort();
  e.previewAbort = new AbortController();
  const signal = e.previewAbort.signal;
  e.previewBox.setAttribute('aria-busy', 'true');
  try {
    const res = await api.post('/api/admin/tiers/preview', requestBody(e), { signal });
    clearErrors(e);
    e.previewBox.replaceChildren(previewTable(res));
  } catch (err) {
    if (err.name === 'AbortError') return;
    clearErrors(e);
    showError(e, err);
    e.previewBox.replaceChildren(notice('warn', t('tiers.previewWaiting'), { live: false, testid: 'tier-preview-waiting' }));
  } finally {
    e.previewBox.removeAttribute('aria-busy');
  }
}

function save(e, submit) {
  clearTimeout(e.timer);
  withBusy(submit, async () => {
    clearErrors(e);
    try {
      await api.put('/api/admin/tiers', requestBody(e), { signal: e.ctx.signal });
      e.ctx.navigate('/admin/program/tiers', { replace: true, flash: 'tiers.saved' });
    } catch (err) {
      if (err.name === 'AbortError') return;
      const target = showError(e, err);
      if (target && target.focus) target.focus();
    }
  });
}

function previewTable(res) {
  const name = (r) => (getLang() === 'en' ? r.name_en || r.name_nb : r.name_nb);
  return h('div', { class: 'stack' },
    h('table', { class: 'data-table tier-preview-table', testid: 'tier-preview-table' },
      h('caption', { class: 'hint', text: t('tiers.previewCaption', { days: res.window_days, n: res.members_total }) }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: t('tiers.col.tier') }),
        h('th', { scope: 'col', class: 'num', text: t('tiers.col.now') }),
        h('th', { scope: 'col', class: 'num', text: t('tiers.col.proposed') }))),
      h('tbody', {}, res.rows.map((r) => h('tr', { testid: 'tier-preview-row', dataset: { code: r.code } },
        h('th', { scope: 'row' }, h('span', { text: name(r) }), h('span', { class: 'muted', text: t('tiers.fromStamps', { n: r.threshold }) })),
        h('td', { class: 'num', testid: 'tier-preview-now', text: String(r.members_now) }),
        h('td', { class: 'num', testid: 'tier-preview-proposed', text: String(r.members_proposed) }))))),
    h('p', { class: 'hint', text: t('tiers.promoteNextStamp') }));
}
