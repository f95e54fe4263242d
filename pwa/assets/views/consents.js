// Terms + per-channel marketing consent block, shared by the join form and the
// "you are not a member yet" step of code entry. Marketing boxes always start
// unticked (markedsføringsloven §15: consent must be an active choice).

import { checkbox, h } from '../dom.js';
import { t } from '../i18n.js';
import { getConfig } from '../config.js';

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
    hint: version ? `${t('join.termsHint')} (${version})` : t('join.termsHint'),
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
      terms.row, termsError),
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

export function freshConsents() {
  return { terms: false, marketing: { email: false, sms: false, push: false } };
}
