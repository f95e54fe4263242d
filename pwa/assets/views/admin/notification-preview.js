// A phone lock screen showing the campaign as a notification would: the app's
// icon and name, the title in bold and the text, cut where a phone cuts it.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';

export function notificationPreview(appName) {
  const card = (suffix, lang) => {
    const title = h('p', { class: 'notif-title', testid: `preview-title${suffix}` });
    const body = h('p', { class: 'notif-body', testid: `preview-body${suffix}` });
    const caption = h('p', { class: 'notif-lang', lang, text: lang === 'en' ? 'English' : 'Norsk' });
    const el = h('div', { class: 'notif-wrap' }, caption,
      h('div', { class: 'notif', lang },
        h('div', { class: 'notif-head' },
          h('img', { src: new URL('../../icons/icon-192.png', import.meta.url).href, alt: '', width: '20', height: '20' }),
          h('span', { class: 'notif-app', text: appName }),
          h('span', { class: 'notif-age', text: lang === 'en' ? 'now' : 'nå' })),
        title, body));
    return { el, title, body, caption };
  };
  const nb = card('', 'nb');
  const en = card('-en', 'en');
  const element = h('figure', { class: 'phone-preview', testid: 'notification-preview' },
    h('div', { class: 'phone' },
      h('div', { class: 'phone-notch', 'aria-hidden': 'true' }),
      h('p', { class: 'phone-clock', 'aria-hidden': 'true', text: '10:00' }),
      nb.el, en.el),
    h('figcaption', { class: 'hint', text: t('admin.preview.caption') }));

  function set(parts, title, body) {
    parts.title.textContent = title.trim() || t('admin.preview.titlePlaceholder');
    parts.title.classList.toggle('is-placeholder', !title.trim());
    parts.body.textContent = body.trim() || t('admin.preview.bodyPlaceholder');
    parts.body.classList.toggle('is-placeholder', !body.trim());
  }

  /** d: {title, body, title_en, body_en}; the English card shows once either English field has text. */
  function update(d) {
    set(nb, d.title, d.body);
    const hasEn = Boolean(d.title_en.trim() || d.body_en.trim());
    en.el.hidden = !hasEn;
    nb.caption.hidden = !hasEn;
    if (hasEn) set(en, d.title_en, d.body_en);
  }

  /** The clock on the lock screen follows the chosen send time ("10:00"). */
  function setClock(text) {
    element.querySelector('.phone-clock').textContent = text;
  }

  return { element, update, setClock };
}
