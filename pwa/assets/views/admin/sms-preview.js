// The campaign SMS as the member's phone shows it: a message bubble from the club with the exact
// text (club name, the offer, the opt-out link), then its length, how many SMS it is billed as and
// what one costs. An emoji (or another character outside GSM-7) makes it UCS-2: 70 characters per
// SMS instead of 160, so it is said plainly.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { formatNok } from './common.js';

export function smsPreview(clubName) {
  const bubble = h('p', { class: 'sms-bubble', testid: 'sms-text' });
  const meta = h('p', { class: 'sms-meta', testid: 'sms-meta' });
  const cost = h('p', { class: 'sms-cost', testid: 'sms-cost' });
  const warn = h('p', { class: 'notice notice-warn', testid: 'sms-ucs2', hidden: true, text: t('admin.sms.ucs2') });
  const element = h('figure', { class: 'sms-preview', testid: 'sms-preview', hidden: true },
    h('div', { class: 'sms-phone' },
      h('p', { class: 'sms-from', 'aria-hidden': 'true' },
        h('span', { class: 'sms-avatar', text: (clubName || '?').trim().charAt(0).toUpperCase() }),
        h('span', { class: 'sms-name', text: clubName })),
      bubble),
    h('figcaption', {}, meta, cost, warn));

  /** sms: {text, segments, encoding, units, cost_nok} from /message-preview, or null (nothing typed). */
  function show(sms) {
    bubble.textContent = sms ? sms.text : t('admin.sms.placeholder');
    bubble.classList.toggle('is-placeholder', !sms);
    meta.hidden = !sms;
    cost.hidden = !sms;
    warn.hidden = !sms || sms.encoding !== 'UCS-2';
    if (!sms) return;
    meta.textContent = t('admin.sms.meta', { chars: sms.units, n: sms.segments, encoding: sms.encoding });
    meta.dataset.segments = String(sms.segments);
    meta.dataset.encoding = sms.encoding;
    cost.textContent = t('admin.sms.cost', { cost: formatNok(sms.cost_nok) });
  }

  show(null);
  return { element, show };
}
