// Printable A4 join poster for one store: scan the QR (made and cached by the
// server) or type the short URL.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { getConfig, storeBySlug } from '../config.js';
import { notice } from '../ui.js';

export async function render(ctx) {
  const slug = ctx.params.slug;
  const store = storeBySlug(slug);
  const business = getConfig().business.name;
  ctx.setTitle(`${t('poster.join')} – ${store ? store.name : slug}`);
  if (!store && getConfig().stores.length) {
    ctx.main.append(h('h1', { tabindex: '-1', text: t('poster.join') }), notice('error', t('poster.unknownStore')));
    return;
  }
  const storeName = store ? store.name : '';
  const joinUrl = `${location.origin}/join?store=${encodeURIComponent(slug)}`;
  ctx.main.append(h('article', { class: 'poster', testid: 'poster' },
    h('p', { class: 'poster-business', text: business }),
    storeName ? h('p', { class: 'poster-store', testid: 'poster-store', text: storeName }) : null,
    h('h1', { class: 'poster-title', tabindex: '-1', text: t('poster.join') }),
    h('p', { class: 'poster-lead', text: t('poster.lead') }),
    h('img', {
      class: 'poster-qr', testid: 'poster-qr', width: '320', height: '320',
      src: `/api/stores/${encodeURIComponent(slug)}/join-qr.svg`, alt: t('poster.qrAlt', { store: storeName || slug }),
    }),
    h('p', { class: 'poster-url-label', text: t('poster.orVisit') }),
    h('p', { class: 'poster-url', testid: 'poster-url', text: joinUrl.replace(/^https?:\/\//, '') }),
    h('button', { type: 'button', class: 'button button-primary no-print', testid: 'poster-print', text: t('poster.print'), onclick: () => window.print() })));
}
