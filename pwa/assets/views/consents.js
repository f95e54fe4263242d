// Terms + per-channel marketing consent block, shared by the join form and the
// "you are not a member yet" step of code entry. Marketing boxes always start
// unticked (markedsføringsloven §15: consent must be an active choice).

import { checkbox, h } from '../dom.js';
import { errorMessage, getLang, t } from '../i18n.js';
import { api } from '../api.js';
import { getConfig } from '../config.js';
import { withBusy } from '../ui.js';

const CHANNELS = [
  ['email', 'join.mEmail', 'join.mEmailHint'],
  ['sms', 'join.mSms', 'join.mSmsHint'],
  ['push', 'join.mPush', 'join.mPushHint'],
];

/**
 * state: {terms: bool, marketing: {email, sms, push}} — mutated as boxes change,
 * so a language re-render keeps the member's choices.
 */
export function consentBlock(state) {
  const { terms_url: termsUrl, terms_version: version } = getConfig();
  const termsLabel = [t('join.termsBefore'), termsUrl
    ? h('a', { href: termsUrl, target: '_blank', rel: 'noopener', 'data-external': '', text: t('join.termsLink') })
    : t('join.termsLink')];
  const terms = checkbox({
    labelNodes: termsLabel,
    hint: version ? `${t('join.termsHint')} ${t('join.termsVersion', { version })}` : t('join.termsHint'),
    testid: 'terms-checkbox',
    checked: Boolean(state.terms),
    required: true,
  });
  terms.input.addEventListener('change', () => {
    state.terms = terms.input.checked;
    if (state.terms) clearTermsError();
  });
  const termsError = h('p', { class: 'field-error', id: `${terms.input.id}-err`, hidden: true });

  const boxes = CHANNELS.map(([channel, label, hint]) => {
    const box = checkbox({ label: t(label), hint: t(hint), testid: `marketing-${channel}`, checked: Boolean(state.marketing[channel]) });
    box.input.addEventListener('change', () => { state.marketing[channel] = box.input.checked; });
    return box.row;
  });

  function clearTermsError() {
    termsError.hidden = true;
    terms.input.removeAttribute('aria-invalid');
  }

  const element = h('div', { class: 'consents' },
    h('fieldset', { class: 'fieldset' },
      h('legend', { class: 'visually-hidden', text: t('join.termsLink') }),
      terms.row, termsError, termsText()),
    h('fieldset', { class: 'fieldset marketing' },
      h('legend', { text: t('join.marketingTitle') }),
      h('p', { class: 'hint', text: t('join.marketingLead') }),
      boxes));

  return {
    element,
    /** Returns true when terms are ticked; otherwise shows the inline error. */
    validate() {
      if (terms.input.checked) return true;
      termsError.textContent = t('join.termsRequired');
      termsError.hidden = false;
      terms.input.setAttribute('aria-invalid', 'true');
      terms.input.setAttribute('aria-describedby', `${termsError.id} ${terms.input.id}-hint`);
      terms.input.focus();
      return false;
    },
  };
}

// The current terms (the version the member accepts), read on demand.
function termsText() {
  const body = h('div', { class: 'consent-body', testid: 'terms-text' });
  const details = h('details', { class: 'terms-details' }, h('summary', { text: t('join.termsRead') }), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    body.textContent = t('app.loading');
    try {
      const terms = (await api.get('/api/consent-texts')).find((x) => x.purpose === 'terms');
      body.textContent = terms ? (getLang() === 'en' ? terms.body_en : terms.body_nb) : '';
      loaded = true;
    } catch (err) {
      body.textContent = errorMessage(err);
    }
  });
  return details;
}

export function freshConsents() {
  return { terms: false, marketing: { email: false, sms: false, push: false } };
}

/**
 * On the member's home: texts changed so materially that the member must accept
 * again (`/api/me` consents_to_renew). New terms are asked for without blocking the
 * card or the QR; a changed marketing or analysis text does not count until
 * accepted, so the member can accept it or say no thanks.
 */
export function consentRenewals(ctx, texts, reload) {
  const lang = getLang();
  return texts.map((text) => {
    const isTerms = text.purpose === 'terms';
    const error = h('p', { class: 'field-error', role: 'alert' });
    const box = h('section', { class: 'card prompt consent-renewal', testid: 'consent-renewal', dataset: { purpose: text.purpose }, 'aria-labelledby': `renew-${text.purpose}-h` });
    const answer = (button, granted) => withBusy(button, async () => {
      error.textContent = '';
      try {
        await api.post('/api/me/consents', { purpose: text.purpose, version: text.version, granted }, { signal: ctx.signal });
        box.remove();
        reload();
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (err.code === 'consent_text_changed') { reload(); return; } // a newer text: show that one
        error.textContent = errorMessage(err);
      }
    });
    const accept = h('button', { type: 'button', class: 'button button-primary', testid: 'consent-renewal-accept', text: t(isTerms ? 'renew.acceptTerms' : 'renew.accept') });
    accept.addEventListener('click', () => answer(accept, true));
    const decline = isTerms ? null : h('button', { type: 'button', class: 'button button-ghost', testid: 'consent-renewal-decline', text: t('renew.decline') });
    if (decline) decline.addEventListener('click', () => answer(decline, false));
    box.append(
      h('h2', { id: `renew-${text.purpose}-h`, text: t(isTerms ? 'renew.termsTitle' : 'renew.title', { purpose: t(`renew.purpose.${text.purpose}`) }) }),
      h('p', { text: t(isTerms ? 'renew.termsLead' : 'renew.lead') }),
      h('blockquote', { class: 'consent-body', lang, testid: 'consent-renewal-text', text: lang === 'en' ? text.body_en : text.body_nb }),
      error,
      h('div', { class: 'row-actions' }, accept, decline));
    return box;
  });
}
