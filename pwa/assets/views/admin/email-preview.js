// The campaign e-mail as a phone's mail app shows it: who it is from and the subject line, then
// the HTML itself in a sandboxed iframe at phone width. The sandbox runs no scripts, opens no
// pop-ups and submits no forms; `allow-same-origin` is there only so this page can size the frame
// to the message and put the e-mail's own inline styles back: the srcdoc document inherits this
// page's Content-Security-Policy (style-src 'self'), which would leave the message unstyled.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';

export function emailPreview(clubName) {
  const subject = h('p', { class: 'mail-subject', testid: 'email-subject' });
  const frame = h('iframe', {
    class: 'mail-frame', sandbox: 'allow-same-origin', title: t('admin.email.frameTitle'),
    referrerpolicy: 'no-referrer', loading: 'eager', testid: 'email-frame', tabindex: '-1',
  });
  frame.addEventListener('load', () => fit(frame));
  const placeholder = h('p', { class: 'mail-placeholder muted', text: t('admin.email.placeholder') });
  const element = h('figure', { class: 'email-preview', testid: 'email-preview', hidden: true },
    h('div', { class: 'mail-phone' },
      h('div', { class: 'mail-head' },
        h('p', { class: 'mail-from' }, h('span', { class: 'mail-label', text: t('admin.email.from') }), ' ', clubName),
        h('p', { class: 'mail-subject-row' }, h('span', { class: 'mail-label', text: t('admin.email.subject') }), ' ', subject)),
      placeholder, frame),
    h('figcaption', { class: 'hint', text: t('admin.email.caption') }));
  let shown = null;

  /** email: {subject, html, text} from /message-preview, or null (nothing typed yet). */
  function show(email) {
    placeholder.hidden = Boolean(email);
    frame.hidden = !email;
    subject.textContent = email ? email.subject : '';
    if (!email || email.html === shown) return;
    shown = email.html;
    frame.srcdoc = email.html;
  }

  return { element, show, fit: () => fit(frame) };
}

/** The message's inline styles back (through the CSSOM, which the policy allows) and the frame as tall as it. */
function fit(frame) {
  const doc = frame.contentDocument;
  if (!doc || !doc.documentElement) return;
  for (const el of doc.querySelectorAll('[style]')) el.style.cssText = el.getAttribute('style');
  frame.style.height = `${Math.ceil(doc.documentElement.scrollHeight)}px`;
}
