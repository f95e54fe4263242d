// The two lists the owner edits on /admin/club: the business's own profile fields
// (text, number or a choice) and the interests members can tick. Add, rename,
// move up and down, remove; saved as a whole. A field's key never changes, so a
// rename keeps members' answers; a removed field is hidden from members, and their
// answers go the next time they save their profile.

import { field, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { api } from '../../api.js';
import { withBusy } from '../../ui.js';
import { ownerErrorMessage } from './form-errors.js';

/** Saves with PUT and comes back to /admin/club with a thank-you. */
export async function putAndReload(ctx, path, body, flash) {
  await api.put(path, body, { signal: ctx.signal });
  ctx.navigate('/admin/club', { replace: true, flash });
}

/** "Skostørrelse" → "skostorrelse": a stable key made once, from the Norwegian label. */
export function keyFrom(label, taken, { codeStyle = false } = {}) {
  let key = label.toLowerCase()
    .replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/å/g, 'a')
    .normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, codeStyle ? '-' : '_').replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 24);
  if (!/^[a-z]/.test(key)) key = `f_${key}`.replace(/_$/, '');
  let candidate = key;
  for (let n = 2; taken.has(candidate); n += 1) candidate = `${key}_${n}`;
  return candidate;
}

function listEditor(ctx, { name, items, blank, rowFields, toBody, path, flash }) {
  const rows = items.map((item) => ({ item: { ...item } }));
  const list = h('ol', { class: 'club-list', testid: `${name}-list` });
  const formError = h('p', { class: 'form-error', role: 'alert', testid: `${name}-error` });
  const empty = h('p', { class: 'muted', testid: `${name}-empty`, text: t(`club.${name}.empty`) });

  function draw(focusRow) {
    list.replaceChildren(...rows.map((row, i) => drawRow(row, i)));
    empty.hidden = rows.length > 0;
    if (focusRow !== undefined && rows[focusRow]) rows[focusRow].firstInput.focus();
  }

  function drawRow(row, i) {
    row.error = h('p', { class: 'field-error', testid: `${name}-row-error` });
    const move = (delta, key, testid) => h('button', {
      type: 'button', class: 'button button-ghost button-small', testid, disabled: i + delta < 0 || i + delta >= rows.length,
      'aria-label': t(key, { name: row.item.label_nb || '' }), text: delta < 0 ? '↑' : '↓',
      onclick: () => { rows.splice(i + delta, 0, rows.splice(i, 1)[0]); draw(); },
    });
    const remove = h('button', {
      type: 'button', class: 'button button-ghost button-small', testid: `${name}-remove`, text: t('club.remove'),
      'aria-label': t('club.removeNamed', { name: row.item.label_nb || '' }),
      onclick: () => { rows.splice(i, 1); draw(); },
    });
    const inputs = rowFields(row, i);
    row.firstInput = inputs[0].input;
    return h('li', { class: 'club-row', testid: `${name}-row`, dataset: { key: row.item.key || row.item.code || '' } },
      h('div', { class: 'club-pair' }, inputs[0].row, inputs[1].row), // the names, side by side
      inputs.slice(2).map((f) => f.row), row.error,
      h('div', { class: 'row-actions' }, move(-1, 'club.moveUp', `${name}-up`), move(1, 'club.moveDown', `${name}-down`), remove));
  }

  const add = h('button', {
    type: 'button', class: 'button button-small', testid: `${name}-add`,
    onclick: () => { rows.push({ item: blank() }); draw(rows.length - 1); },
  }, h('span', { 'aria-hidden': 'true', text: '+ ' }), h('span', { text: t(`club.${name}.add`) }));
  const save = h('button', { type: 'submit', class: 'button button-primary button-block', testid: `${name}-save`, text: t(`club.${name}.save`) });
  const form = h('form', { class: 'card stack', novalidate: true, testid: `${name}-form` }, empty, list, add, formError, save);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    formError.textContent = '';
    for (const row of rows) row.error.textContent = '';
    let body;
    try {
      body = toBody(rows.map((r) => r.item));
    } catch (problem) {
      rows[problem.at].error.textContent = problem.message;
      rows[problem.at].firstInput.focus();
      return;
    }
    withBusy(save, async () => {
      try {
        await putAndReload(ctx, path, body, flash);
      } catch (err) {
        if (err.name === 'AbortError') return;
        const at = err.body && err.body.at;
        if (Number.isInteger(at) && rows[at]) {
          rows[at].error.textContent = rowMessage(err);
          rows[at].firstInput.focus();
          return;
        }
        formError.textContent = ownerErrorMessage(err);
      }
    });
  });
  draw();
  return form;
}

function rowMessage(err) {
  const where = String((err.body && err.body.field) || '');
  if (where.endsWith('.options')) return t('club.err.options');
  if (where.endsWith('.max_length')) return t('club.err.maxLength');
  return t('club.err.row');
}

function textInput(label, value, testid, onInput, attrs = {}) {
  const f = field({ label, input: h('input', { type: 'text', maxlength: '60', value: value || '', testid, ...attrs }) });
  f.input.addEventListener('input', () => onInput(f.input.value));
  return f;
}

export function profileFieldsSection(ctx, fields) {
  const form = listEditor(ctx, {
    name: 'fields',
    items: fields.map((f) => ({ ...f, options: [...(f.options || [])] })),
    blank: () => ({ key: '', label_nb: '', label_en: '', kind: 'text', options: [], max_length: 60 }),
    rowFields: (row) => {
      const it = row.item;
      const nb = textInput(t('club.fields.labelNb'), it.label_nb, 'field-label-nb', (v) => { it.label_nb = v; });
      const en = textInput(t('club.fields.labelEn'), it.label_en, 'field-label-en', (v) => { it.label_en = v; }, { lang: 'en' });
      const kind = field({
        label: t('club.fields.kind'),
        input: h('select', { testid: 'field-kind' }, ['text', 'number', 'choice'].map((k) => h('option', { value: k, selected: it.kind === k, text: t(`club.fields.kind.${k}`) }))),
      });
      const options = field({
        label: t('club.fields.options'),
        hint: t('club.fields.optionsHint'),
        input: h('textarea', { rows: '3', testid: 'field-options' }),
      });
      options.input.value = (it.options || []).join('\n');
      options.input.addEventListener('input', () => { it.options = options.input.value.split('\n'); });
      const maxLength = field({
        label: t('club.fields.maxLength'),
        input: h('input', { type: 'number', inputmode: 'numeric', min: '1', max: '200', value: String(it.max_length || 60), testid: 'field-max-length' }),
      });
      maxLength.input.addEventListener('input', () => { it.max_length = Number(maxLength.input.value); });
      const drawKind = () => {
        options.row.hidden = it.kind !== 'choice';
        maxLength.row.hidden = it.kind !== 'text';
      };
      kind.input.addEventListener('change', () => { it.kind = kind.input.value; drawKind(); });
      drawKind();
      return [nb, en, kind, options, maxLength];
    },
    toBody: (items) => {
      const taken = new Set(items.map((i) => i.key).filter(Boolean));
      return {
        fields: items.map((it, at) => {
          if (!it.label_nb.trim() || !it.label_en.trim()) throw { at, message: t('club.err.labels') };
          const options = (it.options || []).map((o) => o.trim()).filter(Boolean);
          if (it.kind === 'choice' && options.length < 2) throw { at, message: t('club.err.options') };
          if (it.kind === 'text' && !(it.max_length >= 1 && it.max_length <= 200)) throw { at, message: t('club.err.maxLength') };
          if (!it.key) { it.key = keyFrom(it.label_nb, taken); taken.add(it.key); }
          return { key: it.key, label_nb: it.label_nb, label_en: it.label_en, kind: it.kind, options: it.kind === 'choice' ? options : [], max_length: it.kind === 'text' ? it.max_length : 60 };
        }),
      };
    },
    path: '/api/admin/club/profile-fields',
    flash: 'club.fields.saved',
  });
  return h('section', { class: 'stack', id: 'club-fields', 'aria-labelledby': 'club-fields-h', testid: 'club-fields' },
    h('h2', { id: 'club-fields-h', text: t('club.fields.title') }),
    h('p', { class: 'muted', text: t('club.fields.lead') }),
    form);
}

export function interestsSection(ctx, interests) {
  const form = listEditor(ctx, {
    name: 'interests',
    items: interests,
    blank: () => ({ code: '', label_nb: '', label_en: '' }),
    rowFields: (row) => [
      textInput(t('club.fields.labelNb'), row.item.label_nb, 'interest-label-nb', (v) => { row.item.label_nb = v; }),
      textInput(t('club.fields.labelEn'), row.item.label_en, 'interest-label-en', (v) => { row.item.label_en = v; }, { lang: 'en' }),
    ],
    toBody: (items) => {
      const taken = new Set(items.map((i) => i.code).filter(Boolean));
      return {
        interests: items.map((it, at) => {
          if (!it.label_nb.trim() || !it.label_en.trim()) throw { at, message: t('club.err.labels') };
          if (!it.code) { it.code = keyFrom(it.label_nb, taken, { codeStyle: true }); taken.add(it.code); }
          return { code: it.code, label_nb: it.label_nb, label_en: it.label_en };
        }),
      };
    },
    path: '/api/admin/club/interests',
    flash: 'club.interests.saved',
  });
  return h('section', { class: 'stack', id: 'club-interests', 'aria-labelledby': 'club-interests-h', testid: 'club-interests' },
    h('h2', { id: 'club-interests-h', text: t('club.interests.title') }),
    h('p', { class: 'muted', text: t('club.interests.lead') }),
    form);
}
