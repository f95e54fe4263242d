// Change the phone number or e-mail the member logs in with: a code goes to the NEW address,
// and entering it here switches. A member has one address, so a phone can become an e-mail.

import { field, h } from '../dom.js';
import { errorMessage, getLang, t } from '../i18n.js';
import { api } from '../api.js';
import { notice, withBusy } from '../ui.js';

export function contactSection(ctx, member) {
  const section = h('section', { class: 'card stack', 'aria-labelledby': 'contact-h', testid: 'contact-section' });
  let current = member.identifier_masked;

  function title() { return h('h2', { id: 'contact-h', tabindex: '-1', text: t('contact.title') }); }

  function showCurrent(done) {
    const change = h('button', { type: 'button', class: 'button', testid: 'contact-change', text: t('contact.change') });
    change.addEventListener('click', () => askAddress(''));
    // The DOM's own replaceChildren writes a null as the text "null", so the absent notice is left out.
    section.replaceChildren(...[
      title(),
      done ? notice('success', t('contact.done', { id: current }), { testid: 'contact-done' }) : null,
      h('p', { testid: 'contact-current', text: t('contact.current', { id: current }) }),
      h('p', { class: 'hint', text: t('contact.hint') }),
      change,
    ].filter(Boolean));
  }

  function askAddress(value) {
    const input = h('input', {
      type: 'text', name: 'new_identifier', autocomplete: 'off', autocapitalize: 'off', maxlength: '254', value,
      testid: 'contact-new', required: true,
    });
    const row = field({ label: t('contact.newLabel'), hint: t('contact.newHint'), input });
    const error = errorSlot(input);
    row.row.append(error);
    const send = h('button', { type: 'submit', class: 'button button-primary', testid: 'contact-send', text: t('contact.send') });
    const form = h('form', { class: 'stack', novalidate: true }, row.row, h('div', { class: 'row-actions' }, send, cancelButton()));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const identifier = input.value.trim();
      if (!identifier) { showError(input, error, t('err.invalid_identifier')); return; }
      withBusy(send, async () => {
        try {
          const sent = await api.post('/api/me/contact/start', { identifier, lang: getLang() }, { signal: ctx.signal });
          askCode(identifier, sent.destination);
        } catch (err) {
          if (err.name !== 'AbortError') showError(input, error, errorMessage(err));
        }
      });
    });
    section.replaceChildren(title(), form);
    input.focus();
  }

  function askCode(identifier, destination) {
    const input = h('input', {
      type: 'text', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]*',
      testid: 'contact-code', required: true,
    });
    const row = field({ label: t('contact.codeLabel'), hint: t('contact.codeSent', { to: destination }), input });
    const error = errorSlot(input);
    row.row.append(error);
    const confirm = h('button', { type: 'submit', class: 'button button-primary', testid: 'contact-confirm', text: t('contact.confirm') });
    const again = h('button', { type: 'button', class: 'button button-ghost', testid: 'contact-other', text: t('contact.other'), onclick: () => askAddress(identifier) });
    const form = h('form', { class: 'stack', novalidate: true }, row.row, h('div', { class: 'row-actions' }, confirm, again, cancelButton()));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      withBusy(confirm, async () => {
        try {
          const changed = await api.post('/api/me/contact/verify', { identifier, code: input.value.trim() }, { signal: ctx.signal });
          current = changed.identifier_masked;
          showCurrent(true);
          // The account section further down names the address too.
          const signedInAs = document.querySelector('[data-testid="profile-signed-in-as"]');
          if (signedInAs) signedInAs.textContent = t('profile.signedInAs', { id: current });
          section.querySelector('h2').focus();
        } catch (err) {
          if (err.name !== 'AbortError') showError(input, error, errorMessage(err));
        }
      });
    });
    section.replaceChildren(title(), form);
    input.focus();
  }

  function cancelButton() {
    return h('button', { type: 'button', class: 'button button-ghost', testid: 'contact-cancel', text: t('common.cancel'), onclick: () => showCurrent(false) });
  }

  showCurrent(false);
  return section;
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
