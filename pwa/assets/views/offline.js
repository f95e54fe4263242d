// Shown at /offline and used as the friendly face of "this needs the network".

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { pageTitle } from '../ui.js';

export async function render(ctx) {
  ctx.setTitle(t('offline.title'));
  ctx.main.append(h('section', { class: 'panel offline', testid: 'offline' },
    pageTitle(t('offline.title')),
    h('p', { class: 'lead', text: t('offline.body') }),
    h('div', { class: 'row-actions' },
      h('a', { href: '/qr', class: 'button button-primary', testid: 'offline-show-card', text: t('offline.showCard') }),
      h('button', { type: 'button', class: 'button', text: t('common.retry'), onclick: () => { location.href = '/'; } }))));
}
