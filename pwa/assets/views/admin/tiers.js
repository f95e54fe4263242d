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

function tierEditor(ctx, ladder) {
  const rows = ladder.tiers.map((x) => ({ ...x, isNew: false }));
  let windowDays = ladder.window_days;
  const list = h('div', { class: 'tier-rows stack', testid: 'tier-rows' });
  const previewBox = h('div', { class: 'tier-preview', testid: 'tier-preview', 'aria-live': 'polite' });
  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'tiers-form-error' });
  const windowError = h('p', { class: 'field-error', id: 'tiers-window-error', testid: 'error-window_days' });
  const windowInput = h('input', { type: 'number', id: 'tiers-window', inputmode: 'numeric', min: '30', max: '730', step: '1', value: String(windowDays), testid: 'tiers-window', 'aria-describedby': 'tiers-window-hint tiers-window-error' });
  windowInput.addEventListener('input', () => { windowDays = Number(windowInput.value); changed(); });
  const addButton = h('button', { type: 'button', class: 'button button-small', testid: 'tier-add', text: t('tiers.add') });
  addButton.addEventListener('click', () => {
    const last = rows[rows.length - 1];
    rows.push({ code: '', name_nb: '', name_en: '', threshold: (last ? last.threshold : 0) + 10, stamp_multiplier: 1, extra_reward_text: '', early_access_minutes: 0, members: 0, isNew: true });
    draw();
    changed();
    list.lastElementChild.querySelector('input').focus();
  });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'tiers-save', text: t('tiers.save') });
  const form = h('form', { class: 'stack', novalidate: true, testid: 'tiers-form' },
    h('section', { class: 'card stack' },
      h('div', { class: 'field' },
        h('label', { for: 'tiers-window', text: t('tiers.window') }), windowInput,
        h('p', { class: 'hint', id: 'tiers-window-hint', text: t('tiers.windowHint') }), windowError)),
    list,
    h('div', {}, addButton),
    h('section', { class: 'card stack', 'aria-labelledby': 'tiers-preview-h' },
      h('h2', { id: 'tiers-preview-h', text: t('tiers.previewTitle') }),
      previewBox,
      h('p', { class: 'hint', text: t('tiers.noDemotion') })),
    formError, submit);

  function slug(text) {
    return text.toLowerCase().normalize('NFKD').replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 20);
  }

  function rowView(row, i) {
    const id = (name) => `tier-${i}-${name}`;
    const input = (name, attrs, onValue) => {
      const el = h('input', { id: id(name), ...attrs, testid: `tier-${name}-${i}` });
      el.addEventListener('input', () => { onValue(el.value); changed(); });
      return el;
    };
    const labelled = (name, label, el, hint) => h('div', { class: 'field' },
      h('label', { for: id(name), text: label }), el, hint ? h('p', { class: 'hint', text: hint }) : null);
    const error = h('p', { class: 'field-error', role: 'alert', testid: `tier-error-${i}` });
    const remove = rows.length > MIN_TIERS && i > 0 && !row.members
      ? h('button', { type: 'button', class: 'button button-ghost button-small', testid: `tier-remove-${i}`, text: t('tiers.remove'),
        onclick: () => { rows.splice(i, 1); draw(); changed(); } })
      : null;
    const threshold = input('threshold', { type: 'number', inputmode: 'numeric', min: '0', step: '1', value: String(row.threshold), disabled: i === 0 },
      (v) => { row.threshold = Number(v); });
    const multiplier = h('select', { id: id('multiplier'), testid: `tier-multiplier-${i}` },
      [1, 2, 3, 4, 5].map((n) => h('option', { value: String(n), selected: n === row.stamp_multiplier, text: `×${n}` })));
    multiplier.addEventListener('change', () => { row.stamp_multiplier = Number(multiplier.value); changed(); });
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

  function draw() {
    list.replaceChildren(...rows.map(rowView));
  }

  const body = () => ({
    window_days: windowDays,
    tiers: rows.map((r) => ({
      code: r.code, name_nb: r.name_nb, name_en: r.name_en, threshold: r.threshold,
      stamp_multiplier: r.stamp_multiplier, extra_reward_text: r.extra_reward_text, early_access_minutes: r.early_access_minutes,
    })),
  });

  function clearErrors() {
    windowError.textContent = '';
    windowInput.removeAttribute('aria-invalid');
    formError.textContent = '';
    for (const el of list.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of list.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  /** A server error next to its field: the window, a tier row (`tiers[i].field`), or the form. */
  function showError(err) {
    const message = ownerErrorMessage(err);
    const b = err.body || {};
    if (b.field === 'window_days') {
      windowError.textContent = message;
      windowInput.setAttribute('aria-invalid', 'true');
      return windowInput;
    }
    const m = /^tiers\[(\d+)\]\.(\w+)$/.exec(b.field || '');
    const row = m && list.children[Number(m[1])];
    if (row) {
      row.querySelector('.field-error').textContent = message;
      const name = { name_nb: 'name_nb', code: 'name_nb', threshold: 'threshold', stamp_multiplier: 'multiplier', extra_reward_text: 'extra', early_access_minutes: 'early' }[m[2]];
      const input = name && row.querySelector(`#tier-${m[1]}-${name}`);
      if (input) input.setAttribute('aria-invalid', 'true');
      return input || row;
    }
    formError.textContent = message;
    return null;
  }

  let timer = null;
  let previewAbort = null;
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(preview, PREVIEW_DELAY_MS);
  }

  async function preview() {
    if (previewAbort) previewAbort.abort();
    previewAbort = new AbortController();
    const signal = previewAbort.signal;
    previewBox.setAttribute('aria-busy', 'true');
    try {
      const res = await api.post('/api/admin/tiers/preview', body(), { signal });
      clearErrors();
      previewBox.replaceChildren(previewTable(res));
    } catch (err) {
      if (err.name === 'AbortError') return;
      clearErrors();
      showError(err);
      previewBox.replaceChildren(notice('warn', t('tiers.previewWaiting'), { live: false, testid: 'tier-preview-waiting' }));
    } finally {
      previewBox.removeAttribute('aria-busy');
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    withBusy(submit, async () => {
      clearErrors();
      try {
        await api.put('/api/admin/tiers', body(), { signal: ctx.signal });
        ctx.navigate('/admin/program/tiers', { replace: true, flash: 'tiers.saved' });
      } catch (err) {
        if (err.name === 'AbortError') return;
        const target = showError(err);
        if (target && target.focus) target.focus();
      }
    });
  });

  draw();
  preview();
  ctx.onCleanup(() => { clearTimeout(timer); if (previewAbort) previewAbort.abort(); });
  return form;
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
