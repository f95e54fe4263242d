// Inline field errors for the owner's forms: one slot per field, filled from the
// form's own checks or from a problem-details answer (`field`, or `errors`
// [{field, message}] from a validation error). Nothing the owner typed is touched.

import { h } from '../../dom.js';
import { errorMessage, has, t } from '../../i18n.js';

export class FieldErrors {
  /** keys: our field names; aliases: other names the server may use for them ({tiers: 'segment'}). */
  constructor(keys, aliases = {}) {
    this.keys = keys;
    this.aliases = aliases;
    this.slots = new Map();
  }

  /** A slot for `key`: the error paragraph (put it in the DOM) wired to `input` (or a group). */
  slot(key, input) {
    const id = `error-${key}-${Math.random().toString(36).slice(2, 8)}`;
    const el = h('p', { class: 'field-error', id, testid: `error-${key}` });
    if (input) {
      const describedBy = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      input.setAttribute('aria-describedby', [...describedBy, id].join(' '));
    }
    this.slots.set(key, { el, input, mark: true });
    return el;
  }

  /** An error paragraph made elsewhere (it keeps its own id and testid). */
  attach(key, el, input) {
    if (input) {
      const describedBy = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      input.setAttribute('aria-describedby', [...describedBy, el.id].join(' '));
    }
    this.slots.set(key, { el, input, mark: false }); // a whole group: describe it, mark nothing
  }

  set(key, message) {
    const s = this.slots.get(key);
    if (!s) return false;
    s.el.textContent = message;
    if (s.mark) for (const el of controls(s.input)) el.setAttribute('aria-invalid', 'true');
    return true;
  }

  clear(key) {
    const keys = key ? [key] : [...this.slots.keys()];
    for (const k of keys) {
      const s = this.slots.get(k);
      if (!s) continue;
      s.el.textContent = '';
      for (const el of controls(s.input)) el.removeAttribute('aria-invalid');
    }
  }

  any() {
    return [...this.slots.values()].some((s) => s.el.textContent);
  }

  /** Focus the first field (in page order) that has an error. */
  focusFirst() {
    const bad = [...this.slots.values()].filter((s) => s.el.textContent && s.input);
    bad.sort((a, b) => (a.input.compareDocumentPosition(b.input) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    if (!bad.length) return false;
    const target = bad[0].input.matches('input, select, textarea, button') ? bad[0].input
      : bad[0].input.querySelector('input, select, textarea, button') || bad[0].input;
    const closed = target.closest('details:not([open])');
    if (closed) closed.open = true; // e.g. the English version, folded away
    target.focus();
    return true;
  }

  /** "title", "$.title", "segment.tiers", "tiers", "$.early_access.lead_minutes" → one of our keys. */
  keyOf(field) {
    if (!field) return null;
    const parts = String(field).replace(/^\$\.?/, '').replace(/\[[^\]]*\]/g, '').split('.');
    if (this.keys.includes(parts[0])) return parts[0];
    const alias = this.aliases[parts[0]] || this.aliases[parts[parts.length - 1]];
    return alias && this.keys.includes(alias) ? alias : null;
  }

  /**
   * Puts a server error next to its fields. `messageFor(key, code, message)` gives the text.
   * Returns true when at least one field got a message.
   */
  fromServer(err, messageFor) {
    const body = (err && err.body) || {};
    const found = [];
    if (Array.isArray(body.errors)) {
      for (const e of body.errors) found.push({ key: this.keyOf(e && (e.field || e.key)), message: e && e.message });
    }
    if (body.field) found.push({ key: this.keyOf(body.field), message: null });
    let placed = false;
    for (const f of found) {
      if (f.key && this.set(f.key, messageFor(f.key, err.code, f.message))) placed = true;
    }
    return placed;
  }
}

// aria-invalid belongs on the form controls themselves, also when a slot covers a group.
function controls(el) {
  if (!el) return [];
  if (el.matches('input, select, textarea')) return [el];
  return [...el.querySelectorAll('input:not([type="radio"]):not([type="checkbox"]), select, textarea')];
}

/** Our own text for a server error code when we have one, else the server's detail. */
export function ownerErrorMessage(err) {
  if (err && err.code && err.code !== 'generic' && has(`err.${err.code}`)) return errorMessage(err);
  if (err && err.detail && err.status && err.status < 500) return err.detail;
  return errorMessage(err) || t('err.generic');
}
