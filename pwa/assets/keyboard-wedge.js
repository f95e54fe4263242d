// Handheld (keyboard-wedge) scanners "type" the code very fast and end with
// Enter. We read KeyboardEvent.code, not .key, so a Norwegian, German or
// French keyboard layout on the store PC cannot turn "Z" into "Y" or digits
// into symbols.

const MAX_GAP_MS = 50;
const MIN_LENGTH = 6;
const MODIFIERS = new Set(['ShiftLeft', 'ShiftRight', 'CapsLock']);

export function charFromCode(code) {
  let m = /^Key([A-Z])$/.exec(code);
  if (m) return m[1];
  m = /^(?:Digit|Numpad)([0-9])$/.exec(code);
  return m ? m[1] : null;
}

function isTextEntry(el) {
  if (!el || el === document.body) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(el.type);
}

/** Calls onScan(text) for each detected scan. Returns a function that stops listening. */
export function listenForWedge(onScan, { maxGap = MAX_GAP_MS, minLength = MIN_LENGTH } = {}) {
  let buffer = '';
  let last = 0;

  function onKeyDown(event) {
    if (event.repeat || event.ctrlKey || event.altKey || event.metaKey) return;
    if (isTextEntry(event.target)) { buffer = ''; return; }
    if (MODIFIERS.has(event.code)) return; // scanners may press Shift for capitals
    const now = event.timeStamp || performance.now();
    const gap = now - last;
    if (event.code === 'Enter' || event.code === 'NumpadEnter') {
      if (buffer.length >= minLength && gap < maxGap) {
        // Stop the Enter from also "clicking" whatever button has focus.
        event.preventDefault();
        event.stopPropagation();
        const text = buffer;
        buffer = '';
        onScan(text);
      }
      buffer = '';
      return;
    }
    const ch = charFromCode(event.code);
    if (!ch) { buffer = ''; return; }
    if (buffer && gap >= maxGap) buffer = ''; // too slow: a person typing, start over
    buffer += ch;
    last = now;
  }

  document.addEventListener('keydown', onKeyDown, true);
  return () => document.removeEventListener('keydown', onKeyDown, true);
}
