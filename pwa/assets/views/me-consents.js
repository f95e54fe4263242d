// Min side's consents: one switch per purpose (withdrawing is as easy as giving, no extra
// question), its current text, and every change the member ever made, newest first. The club
// terms have no switch: leaving the club is how to say no to them.

import { h } from '../dom.js';
import { errorMessage, formatDateTime, getLang, t } from '../i18n.js';
import { api } from '../api.js';
import { loadInto, loading } from '../ui.js';

// The section's parts share `cs`: the screen and the card, which each answer redraws whole.
export function consentsSection(ctx) {
  const wait = loading();
  const cs = {
    ctx,
    section: h('section', { class: 'card stack', 'aria-labelledby': 'me-consents-h', testid: 'me-consents' },
      h('h2', { id: 'me-consents-h', text: t('me.consents.title') }), wait),
  };
  load(cs, wait);
  return cs.section;
}

// Min side stands without this section: a failure stays inside it, with its own "Prøv igjen".
async function load(cs, wait) {
  const mine = await loadInto(cs.ctx, wait, (signal) => api.get('/api/me/consents', { signal }), {
    testid: 'me-consents-error',
    retry: () => {
      const again = loading();
      cs.section.replaceChildren(h('h2', { id: 'me-consents-h', text: t('me.consents.title') }), again);
      load(cs, again);
    },
  });
  if (mine) draw(cs, mine);
}

function draw(cs, mine) {
  cs.section.replaceChildren(
    h('h2', { id: 'me-consents-h', text: t('me.consents.title') }),
    h('p', { class: 'hint', text: t('me.consents.hint') }),
    h('div', { class: 'consent-list' }, mine.purposes.map((p) => (p.can_withdraw ? purposeSwitch(cs, p) : termsRow(p)))),
    h('h3', { text: t('me.consents.historyTitle') }),
    mine.history.length
      ? h('ul', { class: 'consent-history', testid: 'me-consent-history' }, mine.history.map(eventItem))
      : h('p', { class: 'muted', text: t('me.consents.historyNone') }));
}

function purposeSwitch(cs, p) {
  const id = `consent-${p.purpose}`;
  const error = h('p', { class: 'field-error', id: `${id}-err`, role: 'alert', testid: `me-consent-error-${p.purpose}` });
  const input = h('input', {
    type: 'checkbox', role: 'switch', id, checked: p.state === 'given', testid: `me-consent-${p.purpose}`,
    dataset: { state: p.state }, 'aria-describedby': `${id}-hint ${id}-err`,
  });
  input.addEventListener('change', () => switched(cs, p, input, error));
  return h('div', { class: 'consent-purpose' },
    h('div', { class: 'check switch-row' }, input,
      h('div', { class: 'check-text' },
        h('label', { for: id, text: t(`me.consents.purpose.${p.purpose}`) }),
        h('span', { class: ['hint', p.state === 'renew' ? 'consent-renew' : null], id: `${id}-hint`, text: t(`me.consents.state.${p.state}`) }),
        textDetails(p))),
    error);
}

/** On or off at once, no extra question; the answer redraws the card (the new event in the history). */
async function switched(cs, p, input, error) {
  const wanted = input.checked;
  input.disabled = true;
  error.textContent = '';
  try {
    const mine = await api.put(`/api/me/consents/${p.purpose}`, { granted: wanted }, { signal: cs.ctx.signal });
    draw(cs, mine);
    cs.section.querySelector(`#${input.id}`).focus();
  } catch (err) {
    if (err.name === 'AbortError') return;
    input.checked = !wanted;
    input.disabled = false;
    error.textContent = errorMessage(err);
  }
}

function termsRow(p) {
  return h('div', { class: 'consent-purpose', testid: 'me-consent-terms' },
    h('p', { class: 'consent-terms' },
      h('strong', { text: t('me.consents.purpose.terms') }),
      h('span', { class: 'muted', text: ` · ${t(`me.consents.state.${p.state}`)}` })),
    h('p', { class: 'hint' }, t('me.consents.termsStay'), ' ',
      h('a', { href: '/me', testid: 'me-consent-leave-link', text: t('me.leave.title'), onclick: toLeaveCard })),
    textDetails(p));
}

// The terms have no switch: "Meld meg ut" takes the member to the leave card further down.
function toLeaveCard(event) {
  event.preventDefault();
  const leave = document.getElementById('me-leave-h');
  if (!leave) return;
  leave.scrollIntoView({ block: 'start' });
  leave.setAttribute('tabindex', '-1');
  leave.focus({ preventScroll: true });
}

// The text the member says yes or no to, in their language, with its version.
function textDetails(p) {
  return h('details', { class: 'terms-details' },
    h('summary', { text: t('me.consents.readText', { version: p.text_version }) }),
    h('div', { class: 'consent-body', text: getLang() === 'en' ? p.body_en : p.body_nb }));
}

function eventItem(e) {
  const where = e.source ? t(`me.consents.source.${e.source}`) : t('me.consents.source.other');
  const details = [
    formatDateTime(e.at),
    e.text_version ? t('me.consents.version', { version: e.text_version }) : null,
    e.store ? `${where} (${e.store})` : where,
  ].filter(Boolean).join(' · ');
  return h('li', { class: 'consent-event', testid: 'me-consent-event', dataset: { purpose: e.purpose, granted: String(e.granted) } },
    h('strong', { text: `${t(`me.consents.purpose.${e.purpose}`)}: ${t(e.granted ? 'me.consents.granted' : 'me.consents.withdrawn')}` }),
    h('span', { class: 'hint', text: details }));
}
