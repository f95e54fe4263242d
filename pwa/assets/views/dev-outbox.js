// Development helper on the code screen: read the latest one-time code from
// GET /api/dev/outbox. Only mounted when config.environment != "production";
// the endpoint itself does not exist in production either.

import { h, clear } from '../dom.js';
import { errorMessage, t } from '../i18n.js';
import { api } from '../api.js';

function digits(s) { return String(s || '').replace(/\D/g, ''); }

// The outbox stores the normalised recipient (+4791234567, lower-case e-mail),
// while the member may have typed "912 34 567".
function sameRecipient(to, identifier) {
  const a = String(to || '').trim().toLowerCase();
  const b = String(identifier || '').trim().toLowerCase();
  if (a.includes('@') || b.includes('@')) return a === b;
  const da = digits(a);
  const db = digits(b);
  if (!da || !db) return false;
  const tail = Math.min(8, da.length, db.length);
  return da.slice(-tail) === db.slice(-tail);
}

export function devOutboxPanel(identifier, onFill) {
  const result = h('div', { class: 'dev-result', role: 'status' });
  const button = h('button', {
    type: 'button', class: 'button button-ghost', testid: 'dev-outbox', text: t('code.devTitle'),
    onclick: async () => {
      clear(result);
      button.disabled = true;
      try {
        const messages = await api.get('/api/dev/outbox');
        const latest = (messages || []).find((m) => sameRecipient(m.to, identifier) && m.code);
        if (!latest) {
          result.append(h('p', { text: t('code.devNone') }));
          return;
        }
        result.append(
          h('p', {}, h('code', { class: 'dev-code', testid: 'dev-outbox-code', text: latest.code }),
            ` → ${latest.to} (${latest.channel})`),
          h('button', {
            type: 'button', class: 'button button-small', testid: 'dev-outbox-fill',
            text: t('code.devFill', { code: latest.code }), onclick: () => onFill(latest.code),
          }));
      } catch (err) {
        result.append(h('p', { class: 'field-error', text: errorMessage(err) }));
      } finally {
        button.disabled = false;
      }
    },
  });
  return h('aside', { class: 'dev-panel', 'aria-label': 'Dev' },
    h('p', { class: 'dev-note', text: t('code.devNote') }), button, result);
}
