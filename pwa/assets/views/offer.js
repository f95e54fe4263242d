// /offer/{id}: the offer a member got as a push, in their language, with
// "Vis kortet" to use it in the store.

import { h } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { api } from '../api.js';
import { loadInto, loading, pageTitle } from '../ui.js';

export async function render(ctx) {
  ctx.setTitle(t('offer.title'));
  const wait = loading();
  ctx.main.append(wait);
  const offer = await loadInto(ctx, wait, (signal) => api.get(`/api/me/offers/${ctx.params.id}`, { signal }), {
    loginPath: '/login',
    title: t('offer.title'),
    testid: 'offer-error',
    warnOffline: true,
    missing: { title: t('offer.missingTitle'), text: t('offer.missingBody'), testid: 'offer-missing' },
    actions: [h('a', { class: 'button', href: '/', text: t('offer.toCard') })],
  });
  if (!offer) return;
  ctx.setTitle(offer.title);
  wait.replaceWith(h('article', { class: 'card offer', testid: 'offer', 'aria-labelledby': 'offer-h' },
    h('p', { class: 'eyebrow', text: t('offer.eyebrow') }),
    pageTitle(offer.title, { id: 'offer-h', testid: 'offer-title' }),
    h('p', { class: 'offer-body', testid: 'offer-body', text: offer.body }),
    offer.sent_at ? h('p', { class: 'muted offer-sent', testid: 'offer-sent', text: t('offer.sentAt', { date: formatDate(offer.sent_at) }) }) : null,
    h('p', { class: 'hint', text: t('offer.howTo') }),
    h('a', { href: '/qr', class: 'button button-primary button-xl button-block', testid: 'offer-show-card', text: t('home.showCard') })));
}
