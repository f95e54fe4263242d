// Handheld (keyboard-wedge) scanners "type" the code very fast and end with Enter. A scanner is
// set to a keyboard layout and presses, for each character, the key that layout has for it; the
// till's own layout then decides `key`, while `code` names the key pressed. So one scan is read
// several ways: by `code` as a US (or Norwegian), German and French scanner means each key, and by
// `key` (right whenever the scanner and the till share a layout). The member QR's own alphabet
// (DS2, qr-token.js) has no character that these layouts move, so its readings agree; for an old
// app's DS1 code (Base32: A, M, Q, W, Y, Z move) the server keeps the reading whose signature holds.

import { looksLikeToken } from './qr-token.js';

const MAX_GAP_MS = 50;
const MIN_LENGTH = 6;
const MAX_OTHER_READINGS = 3; // the server takes at most 3 besides the first
const MODIFIERS = new Set(['ShiftLeft', 'ShiftRight', 'CapsLock']);

// What a scanner set to a layout means by a key, where that differs from US. Norwegian has the same
// letters and digits on the same keys as US (Æ, Ø, Å are on punctuation keys); digits are on the
// same keys in all four (French types them with Shift, which `code` does not see).
export const LAYOUT_KEYS = {
  us: {},
  de: { KeyY: 'Z', KeyZ: 'Y' },
  fr: { KeyA: 'Q', KeyQ: 'A', KeyW: 'Z', KeyZ: 'W', Semicolon: 'M', KeyM: null },
};

export function charFromCode(code, layout = 'us') {
  const moved = LAYOUT_KEYS[layout];
  if (Object.hasOwn(moved, code)) return moved[code];
  let m = /^Key([A-Z])$/.exec(code);
  if (m) return m[1];
  m = /^(?:Digit|Numpad)([0-9])$/.exec(code);
  return m ? m[1] : null;
}

function charFromKey(key) {
  return typeof key === 'string' && key.length === 1 && key.trim() ? key.toUpperCase() : null;
}

const READERS = [
  (s) => charFromCode(s.code, 'us'),
  (s) => charFromKey(s.key),
  (s) => charFromCode(s.code, 'de'),
  (s) => charFromCode(s.code, 'fr'),
];

/** Every distinct reading of the keystrokes ({code, key} each), the US key positions' first. */
export function readings(strokes) {
  const out = [];
  for (const read of READERS) {
    const chars = strokes.map(read);
    if (chars.some((c) => c === null)) continue;
    const text = chars.join('');
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/**
 * What a scan is: {code, others}. The readings that are well-formed member QR codes come first (the
 * first is `code`, up to 3 more go along as `others`); without one, the first reading (a member
 * number reads the same every way by key position).
 */
export function readScan(strokes) {
  const all = readings(strokes);
  const tokens = all.filter(looksLikeToken);
  if (tokens.length) return { code: tokens[0], others: tokens.slice(1, 1 + MAX_OTHER_READINGS) };
  return all.length ? { code: all[0], others: [] } : null;
}

function isTextEntry(el) {
  if (!el || el === document.body) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(el.type);
}

/** Calls onScan(code, others) for each detected scan. Returns a function that stops listening. */
export function listenForWedge(onScan, { maxGap = MAX_GAP_MS, minLength = MIN_LENGTH } = {}) {
  let strokes = [];
  let last = 0;

  function onKeyDown(event) {
    if (event.repeat || event.ctrlKey || event.altKey || event.metaKey) return;
    if (isTextEntry(event.target)) { strokes = []; return; }
    if (MODIFIERS.has(event.code)) return; // scanners may press Shift for capitals (French: digits)
    const now = event.timeStamp || performance.now();
    const gap = now - last;
    if (event.code === 'Enter' || event.code === 'NumpadEnter') {
      const scan = strokes.length >= minLength && gap < maxGap ? readScan(strokes) : null;
      strokes = [];
      if (scan) {
        // Stop the Enter from also "clicking" whatever button has focus.
        event.preventDefault();
        event.stopPropagation();
        onScan(scan.code, scan.others);
      }
      return;
    }
    const stroke = { code: event.code, key: event.key };
    if (!READERS.some((read) => read(stroke) !== null)) { strokes = []; return; } // Tab, arrows…
    if (strokes.length && gap >= maxGap) strokes = []; // too slow: a person typing, start over
    strokes.push(stroke);
    last = now;
  }

  document.addEventListener('keydown', onKeyDown, true);
  return () => document.removeEventListener('keydown', onKeyDown, true);
}
