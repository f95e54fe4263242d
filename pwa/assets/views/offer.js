// /offer/{id}: the offer a member got as a push, in their language, with
// "Vis kortet" to use it in the store.

import { h } from '../dom.js';
import { errorMessage, formatDate, t } from '../i18n.js';
import { api } from '../api.js';
import { loading, notice, pageTitle } from '../ui.js';

export async function render(ctx) {
  ctx.setTitle(t('offer.title'));
  const wait = loading();
  ctx.main.append(wait);
  let offer;
  try {
    offer = await api.get(`/api/me/offers/${ctx.params.id}`, { signal: ctx.signal });
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.code === 'not_authenticated') { ctx.navigate('/login', { replace: true }); return; }
    const missing = err.status === 404;
    wait.replaceWith(
      pageTitle(t(missing ? 'offer.missingTitle' : 'offer.title')),
      notice(missing ? 'info' : err.code === 'network' ? 'warn' : 'error',
        missing ? t('offer.missingBody') : errorMessage(err), { testid: missing ? 'offer-missing' : 'offer-error' }),
      h('div', { class: 'row-actions' },
        missing ? null : h('button', { type: 'button', class: 'button', text: t('common.retry'), onclick: () => ctx.refresh() }),
        h('a', { class: 'button', href: '/', text: t('offer.toCard') })));
    return;
  }
  ctx.setTitle(offer.title);
  wait.replaceWith(h('article', { class: 'card offer', testid: 'offer', 'aria-labelledby': 'offer-h' },
    h('p', { class: 'eyebrow', text: t('offer.eyebrow') }),
    pageTitle(offer.title, { id: 'offer-h', testid: 'offer-title' }),
    h('p', { class: 'offer-body', testid: 'offer-body', text: offer.body }),
    offer.sent_at ? h('p', { class: 'muted offer-sent', testid: 'offer-sent', text: t('offer.sentAt', { date: formatDate(offer.sent_at) }) }) : null,
    h('p', { class: 'hint', text: t('offer.howTo') }),
    h('a', { href: '/qr', class: 'button button-primary button-xl button-block', testid: 'offer-show-card', text: t('home.showCard') })));
}
