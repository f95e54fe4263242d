// Join step 2: first name, birthday, interests, favourite store. Never
// blocking: "Hopp over" stops the home prompt. Also language and logout.

import { checkbox, field, h } from '../dom.js';
import { errorMessage, getLang, setLang, t } from '../i18n.js';
import { api } from '../api.js';
import { getConfig } from '../config.js';
import { clearSnapshot, syncFromMe } from '../member-store.js';
import { forgetDeviceKey } from '../device-key.js';
import { formatMemberNumber, loadInto, loading, pageTitle, withBusy } from '../ui.js';
import { syncOnOpen } from '../push.js';
import { notificationsSection } from './notifications.js';
import { passkeysSection } from './passkeys.js';
import { contactSection } from './me-contact.js';

let draft = null; // survives a language re-render

export async function render(ctx) {
  ctx.setTitle(t('profile.title'));
  const wait = loading();
  ctx.main.append(wait);
  // Offline, the profile cannot be shown, but the member card still can.
  const me = await loadInto(ctx, wait, (signal) => api.get('/api/me', { signal }), {
    loginPath: '/login',
    title: t('profile.title'),
    warnOffline: true,
    message: (err) => (err.code === 'network' ? t('offline.body') : errorMessage(err)),
    retry: null,
    actions: [h('a', { href: '/qr', class: 'button', text: t('offline.showCard') })],
  });
  if (!me) return;
  if (!ctx.rerender || !draft) {
    const p = me.profile || {};
    draft = {
      first_name: p.first_name || '',
      birthday: p.birthday || '',
      interests: [...(p.interests || [])],
      favourite_store_id: p.favourite_store_id ?? null,
      extra: { ...(p.extra || {}) },
    };
  }
  wait.replaceWith(...sections(ctx, me));
  syncOnOpen(me.member.member_number);
}

function sections(ctx, me) {
  const lang = getLang();
  return [
    pageTitle(t('profile.title')),
    h('p', { class: 'lead', text: t('profile.lead') }),
    h('section', { class: 'card' }, profileForm(ctx, me, lang)),
    notificationsSection(ctx),
    passkeysSection(ctx),
    languageSection(lang),
    contactSection(ctx, me.member),
    accountSection(ctx, me),
  ];
}

// The form is built from its fields (each writes to `draft` as it changes); `f` holds what the
// steps share: the screen, the member as loaded, the business's own fields, the error line, the buttons.
function profileForm(ctx, me, lang) {
  const config = getConfig();
  const rows = [...nameAndBirthday(), interestsGroup(config, lang), storeField(config)];
  const f = {
    ctx, me,
    extra: extraFields(me.profile.fields || [], lang),
    error: h('div', { class: 'form-error', role: 'alert', testid: 'profile-error' }),
    save: h('button', { type: 'submit', class: 'button button-primary', testid: 'profile-save', text: t('profile.save') }),
    skip: h('button', { type: 'button', class: 'button button-ghost', testid: 'profile-skip', text: t('profile.skip') }),
  };
  const form = h('form', { class: 'stack', novalidate: true },
    rows, f.extra.rows, f.error,
    h('div', { class: 'row-actions' }, f.save, f.skip));
  form.addEventListener('submit', (event) => { event.preventDefault(); submitted(f); });
  f.skip.addEventListener('click', () => skipped(f));
  return form;
}

function nameAndBirthday() {
  const firstName = field({
    label: t('profile.firstName'),
    input: h('input', { type: 'text', name: 'first_name', autocomplete: 'given-name', maxlength: '60', value: draft.first_name, testid: 'profile-first-name' }),
  });
  firstName.input.addEventListener('input', () => { draft.first_name = firstName.input.value; });
  const today = new Date().toISOString().slice(0, 10);
  const birthday = field({
    label: t('profile.birthday'),
    hint: t('profile.birthdayHint'),
    input: h('input', { type: 'date', name: 'birthday', autocomplete: 'bday', min: '1900-01-01', max: today, value: draft.birthday, testid: 'profile-birthday' }),
  });
  birthday.input.addEventListener('input', () => { draft.birthday = birthday.input.value; });
  return [firstName.row, birthday.row];
}

/** The club's interests as checkboxes, or null when the club has none. */
function interestsGroup(config, lang) {
  const interests = (config.interests || []).map((it) => {
    const box = checkbox({
      label: lang === 'en' ? it.label_en : it.label_nb,
      checked: draft.interests.includes(it.code),
      testid: `interest-${it.code}`,
    });
    box.input.value = it.code;
    box.input.addEventListener('change', () => {
      draft.interests = draft.interests.filter((c) => c !== it.code);
      if (box.input.checked) draft.interests.push(it.code);
    });
    return box.row;
  });
  if (!interests.length) return null;
  return h('fieldset', { class: 'fieldset' }, h('legend', { text: t('profile.interests') }), h('div', { class: 'check-grid' }, interests));
}

function storeField(config) {
  const store = field({
    label: t('profile.favStore'),
    input: h('select', { name: 'favourite_store_id', testid: 'profile-store' },
      h('option', { value: '', text: t('profile.favStoreNone') }),
      (config.stores || []).map((s) => h('option', { value: String(s.id), text: s.name, selected: draft.favourite_store_id === s.id }))),
  });
  store.input.addEventListener('change', () => {
    draft.favourite_store_id = store.input.value ? Number(store.input.value) : null;
  });
  return store.row;
}

// ---- "Lagre" and "Hopp over"

function requestBody(f) {
  return {
    first_name: draft.first_name.trim() || null,
    birthday: draft.birthday || null,
    interests: draft.interests,
    favourite_store_id: draft.favourite_store_id,
    profile_extra: f.extra.answers(),
  };
}

function submitted(f) {
  f.error.textContent = '';
  f.extra.clearErrors();
  withBusy(f.save, async () => {
    try {
      const updated = await api.patch('/api/me/profile', requestBody(f), { signal: f.ctx.signal });
      saved(f, updated);
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (!f.extra.showError(err)) f.error.textContent = errorMessage(err);
    }
  });
}

/** Home again, with a thank-you that says so when this save earned the profile bonus. */
function saved(f, updated) {
  syncFromMe(updated).catch(() => {});
  const bonuses = (me) => me.activity.filter((a) => a.kind === 'bonus').length;
  const earned = bonuses(updated) > bonuses(f.me);
  draft = null;
  f.ctx.navigate('/', { flash: earned ? 'profile.bonus' : 'profile.saved' });
}

function skipped(f) {
  return withBusy(f.skip, async () => {
    try {
      await api.post('/api/me/profile/dismiss', undefined, { signal: f.ctx.signal });
      draft = null;
      f.ctx.navigate('/');
    } catch (err) {
      if (err.name !== 'AbortError') f.error.textContent = errorMessage(err);
    }
  });
}

// The business's own fields (shoe size, favourite product …), in the owner's order.
function extraFields(fields, lang) {
  const errors = new Map();
  const rows = fields.map((f) => {
    const testid = `profile-extra-${f.key}`;
    const input = extraInput(f, lang, testid);
    input.addEventListener(f.kind === 'choice' ? 'change' : 'input', () => { draft.extra[f.key] = input.value; });
    const row = field({ label: lang === 'en' ? f.label_en : f.label_nb, input });
    const err = h('p', { class: 'field-error', id: `${input.id}-err`, testid: `${testid}-error` });
    input.setAttribute('aria-describedby', err.id);
    row.row.append(err);
    errors.set(f.key, { err, input });
    return row.row;
  });
  return {
    rows,
    // Every field the member sees, so a cleared one is cleared; answers to fields the owner removed go.
    answers: () => Object.fromEntries(fields.map((f) => [f.key, String(draft.extra[f.key] ?? '').trim() || null])),
    clearErrors: () => { for (const { err, input } of errors.values()) { err.textContent = ''; input.removeAttribute('aria-invalid'); } },
    showError: (err) => showExtraError(fields, errors, err),
  };
}

/** One of the business's fields as a control: a choice, a number (comma in Norwegian) or a text. */
function extraInput(f, lang, testid) {
  const value = draft.extra[f.key] ?? '';
  if (f.kind === 'choice') {
    return h('select', { name: f.key, testid },
      h('option', { value: '', text: t('profile.extraNone') }),
      f.options.map((o) => h('option', { value: o, text: o, selected: value === o })));
  }
  if (f.kind === 'number') {
    return h('input', { type: 'text', inputmode: 'decimal', name: f.key, value: String(value).replace('.', lang === 'en' ? '.' : ','), testid });
  }
  return h('input', { type: 'text', name: f.key, maxlength: String(f.max_length), value: String(value), testid });
}

/** The server's refusal of one of those fields, under it; false when it names none of them. */
function showExtraError(fields, errors, err) {
  const key = String((err.body && err.body.key) || '');
  const slot = errors.get(key);
  if (!slot) return false;
  const f = fields.find((x) => x.key === key);
  slot.err.textContent = f.kind === 'number' ? t('profile.extraNumber')
    : f.kind === 'choice' ? t('profile.extraChoice') : t('profile.extraTooLong', { n: f.max_length });
  slot.input.setAttribute('aria-invalid', 'true');
  slot.input.focus();
  return true;
}

function languageSection(lang) {
  const radios = ['nb', 'en'].map((code) => {
    const id = `lang-${code}`;
    const input = h('input', { type: 'radio', name: 'lang', id, value: code, checked: lang === code, testid: `lang-${code}` });
    input.addEventListener('change', () => { if (input.checked) setLang(code); });
    return h('div', { class: 'check' }, input, h('label', { for: id, lang: code, text: t(`lang.${code}`) }));
  });
  return h('section', { class: 'card' },
    h('fieldset', { class: 'fieldset' }, h('legend', { text: t('lang.label') }), radios));
}

function accountSection(ctx, me) {
  const error = h('p', { class: 'field-error', role: 'alert' });
  const logout = h('button', { type: 'button', class: 'button', testid: 'logout', text: t('nav.logout') });
  logout.addEventListener('click', () => withBusy(logout, async () => {
    try {
      await api.post('/api/auth/logout', undefined, { signal: ctx.signal });
      await clearSnapshot();
      await forgetDeviceKey(); // the next person on this phone cannot sign this member's QR
      draft = null;
      ctx.navigate('/login', { replace: true });
    } catch (err) {
      if (err.name !== 'AbortError') error.textContent = errorMessage(err);
    }
  }));
  return h('section', { class: 'card', 'aria-labelledby': 'account-h' },
    h('h2', { id: 'account-h', text: t('profile.account') }),
    h('p', { testid: 'profile-signed-in-as', text: t('profile.signedInAs', { id: me.member.identifier_masked }) }),
    h('p', { class: 'muted', text: t('home.memberNo', { number: formatMemberNumber(me.member.member_number) }) }),
    error, logout);
}
