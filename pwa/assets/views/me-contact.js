// Change the phone number or e-mail the member logs in with: a code goes to the NEW address,
// and entering it here switches. A member has one address, so a phone can become an e-mail.

import { field, h } from '../dom.js';
import { errorMessage, getLang, t } from '../i18n.js';
import { api } from '../api.js';
import { notice, withBusy } from '../ui.js';

// `cs` is the card and the address the member logs in with now (masked), as its three states
// (the address, "Nytt mobilnummer eller e-post", the code) draw it in turn.
export function contactSection(ctx, member) {
  const cs = {
    ctx,
    section: h('section', { class: 'card stack', 'aria-labelledby': 'contact-h', testid: 'contact-section' }),
    current: member.identifier_masked,
  };
  showCurrent(cs, false);
  return cs.section;
}

function contactTitle() { return h('h2', { id: 'contact-h', tabindex: '-1', text: t('contact.title') }); }

function showCurrent(cs, done) {
  const change = h('button', { type: 'button', class: 'button', testid: 'contact-change', text: t('contact.change') });
  change.addEventListener('click', () => askAddress(cs, ''));
  // The DOM's own replaceChildren writes a null as the text "null", so the absent notice is left out.
  cs.section.replaceChildren(...[
    contactTitle(),
    done ? notice('success', t('contact.done', { id: cs.current }), { testid: 'contact-done' }) : null,
    h('p', { testid: 'contact-current', text: t('contact.current', { id: cs.current }) }),
    h('p', { class: 'hint', text: t('contact.hint') }),
    change,
  ].filter(Boolean));
}

function askAddress(cs, value) {
  const input = h('input', {
    type: 'text', name: 'new_identifier', autocomplete: 'off', autocapitalize: 'off', maxlength: '254', value,
    testid: 'contact-new', required: true,
  });
  const row = field({ label: t('contact.newLabel'), hint: t('contact.newHint'), input });
  const error = errorSlot(input);
  row.row.append(error);
  const send = h('button', { type: 'submit', class: 'button button-primary', testid: 'contact-send', text: t('contact.send') });
  const form = h('form', { class: 'stack', novalidate: true }, row.row, h('div', { class: 'row-actions' }, send, cancelButton(cs)));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const identifier = input.value.trim();
    if (!identifier) { showError(input, error, t('err.invalid_identifier')); return; }
    withBusy(send, () => sendCode(cs, identifier, input, error));
  });
  cs.section.replaceChildren(contactTitle(), form);
  input.focus();
}

async function sendCode(cs, identifier, input, error) {
  try {
    const sent = await api.post('/api/me/contact/start', { identifier, lang: getLang() }, { signal: cs.ctx.signal });
    askCode(cs, identifier, sent.destination);
  } catch (err) {
    if (err.name !== 'AbortError') showError(input, error, errorMessage(err));
  }
}

function askCode(cs, identifier, destination) {
  const input = h('input', {
    type: 'text', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]*',
    testid: 'contact-code', required: true,
  });
  const row = field({ label: t('contact.codeLabel'), hint: t('contact.codeSent', { to: destination }), input });
  const error = errorSlot(input);
  row.row.append(error);
  const confirm = h('button', { type: 'submit', class: 'button button-primary', testid: 'contact-confirm', text: t('contact.confirm') });
  const again = h('button', { type: 'button', class: 'button button-ghost', testid: 'contact-other', text: t('contact.other'), onclick: () => askAddress(cs, identifier) });
  const form = h('form', { class: 'stack', novalidate: true }, row.row, h('div', { class: 'row-actions' }, confirm, again, cancelButton(cs)));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    withBusy(confirm, () => confirmCode(cs, identifier, input, error));
  });
  cs.section.replaceChildren(contactTitle(), form);
  input.focus();
}

async function confirmCode(cs, identifier, input, error) {
  try {
    const changed = await api.post('/api/me/contact/verify', { identifier, code: input.value.trim() }, { signal: cs.ctx.signal });
    cs.current = changed.identifier_masked;
    showCurrent(cs, true);
    // The account section further down names the address too.
    const signedInAs = document.querySelector('[data-testid="profile-signed-in-as"]');
    if (signedInAs) signedInAs.textContent = t('profile.signedInAs', { id: cs.current });
    cs.section.querySelector('h2').focus();
  } catch (err) {
    if (err.name !== 'AbortError') showError(input, error, errorMessage(err));
  }
}

function cancelButton(cs) {
  return h('button', { type: 'button', class: 'button button-ghost', testid: 'contact-cancel', text: t('common.cancel'), onclick: () => showCurrent(cs, false) });
}

function errorSlot(input) {
  const error = h('p', { class: 'field-error', id: `${input.id}-err`, role: 'alert' });
  input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${error.id}`.trim());
  input.addEventListener('input', () => { error.textContent = ''; input.removeAttribute('aria-invalid'); });
  return error;
}

function showError(input, error, text) {
  error.textContent = text;
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}
