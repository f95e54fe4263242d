// The consent texts on /admin/club: the current version of each purpose, and a
// form to publish a new one. Old versions are never edited. The owner says
// whether members must accept again, and the screen explains when that is needed.

import { checkbox, field, h } from '../../dom.js';
import { formatDate, getLang, t } from '../../i18n.js';
import { api } from '../../api.js';
import { notice, withBusy } from '../../ui.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';

export const PURPOSES = ['terms', 'analysis', 'marketing_email', 'marketing_sms', 'marketing_push'];

export function consentTextsSection(ctx, data) {
  const current = new Map(data.current.map((text) => [text.purpose, text]));
  return h('section', { class: 'stack', id: 'club-consents', 'aria-labelledby': 'club-consents-h', testid: 'club-consents' },
    h('h2', { id: 'club-consents-h', text: t('club.consents.title') }),
    h('p', { class: 'muted', text: t('club.consents.lead') }),
    notice('info', t('club.consents.whenReaccept'), { live: false, testid: 'consent-reaccept-explained' }),
    PURPOSES.filter((p) => current.has(p)).map((p) => purposeCard(ctx, current.get(p), data.history.filter((x) => x.purpose === p))));
}

function purposeCard(ctx, text, history) {
  const body = getLang() === 'en' ? text.body_en : text.body_nb;
  const published = formatDate(text.published_at, { day: 'numeric', month: 'long', year: 'numeric' });
  const newVersion = h('button', { type: 'button', class: 'button button-small', testid: 'consent-new-version', text: t('club.consents.newVersion') });
  const card = h('article', { class: 'card stack consent-text', testid: 'consent-text', dataset: { purpose: text.purpose, version: String(text.version) } },
    h('div', { class: 'team-item-head' },
      h('h3', { text: t(`club.consents.purpose.${text.purpose}`) }),
      h('span', { class: 'chip chip-sent', testid: 'consent-version', text: t('club.consents.version', { n: text.version }) })),
    h('p', { class: 'muted', text: text.published_by
      ? t('club.consents.publishedBy', { date: published, name: text.published_by })
      : t('club.consents.published', { date: published }) }),
    text.requires_reaccept ? h('p', { class: 'hint', text: t('club.consents.wasReaccept') }) : null,
    h('blockquote', { class: 'consent-body', text: body }),
    history.length > 1 ? h('p', { class: 'hint', text: t('club.consents.versions', { n: history.length }) }) : null,
    h('div', { class: 'row-actions' }, newVersion));
  newVersion.addEventListener('click', () => {
    newVersion.hidden = true;
    const form = publishForm(ctx, text, () => { form.remove(); newVersion.hidden = false; newVersion.focus(); });
    card.append(form);
    form.querySelector('textarea').focus();
  });
  return card;
}

function publishForm(ctx, text, close) {
  const errors = new FieldErrors(['body_nb', 'body_en']);
  const area = (key, value, lang) => {
    const f = field({ label: t(`club.consents.${key}`), input: h('textarea', { rows: '6', maxlength: '4000', lang, testid: `consent-${key.replace('_', '-')}` }) });
    f.input.value = value;
    f.row.append(errors.slot(key, f.input));
    f.input.addEventListener('input', () => errors.clear(key));
    return f;
  };
  const nb = area('body_nb', text.body_nb, 'nb');
  const en = area('body_en', text.body_en, 'en');
  const reaccept = checkbox({ label: t('club.consents.reaccept'), hint: t(text.purpose === 'terms' ? 'club.consents.reacceptTermsHint' : 'club.consents.reacceptHint'), testid: 'consent-reaccept' });
  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'consent-error' });
  const publish = h('button', { type: 'submit', class: 'button button-primary', testid: 'consent-publish', text: t('club.consents.publish') });
  const cancel = h('button', { type: 'button', class: 'button button-ghost', text: t('common.cancel'), onclick: close });
  const form = h('form', { class: 'stack', novalidate: true, testid: 'consent-form' },
    h('h4', { text: t('club.consents.newTitle', { n: text.version + 1 }) }),
    nb.row, en.row, reaccept.row, formError, h('div', { class: 'row-actions' }, publish, cancel));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    formError.textContent = '';
    for (const [key, f] of [['body_nb', nb], ['body_en', en]]) if (!f.input.value.trim()) errors.set(key, t('club.err.body'));
    if (errors.any()) { errors.focusFirst(); return; }
    withBusy(publish, async () => {
      try {
        await api.post('/api/admin/club/consent-texts', {
          purpose: text.purpose, body_nb: nb.input.value, body_en: en.input.value, requires_reaccept: reaccept.input.checked,
        }, { signal: ctx.signal });
        ctx.navigate('/admin/club', { replace: true, flash: reaccept.input.checked ? 'club.consents.publishedReaccept' : 'club.consents.publishedOk' });
      } catch (err) {
        if (err.name === 'AbortError') return;
        if (errors.fromServer(err, () => t('club.err.body'))) { errors.focusFirst(); return; }
        formError.textContent = ownerErrorMessage(err);
      }
    });
  });
  return form;
}
