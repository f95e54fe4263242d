// The member QR token's text, shared by the phone (member-qr.js) and the till (keyboard-wedge.js,
// staff.js); digital_stampcard/member_qr.py verifies it.
// DS2 (what the phone shows): "DS2" + device(11) + step(7) + signature(105) = 126 characters, each
// field a fixed-width base-30 number over the digits and the 20 letters that sit on the same key in
// US, Norwegian, German and French layouts (no A, M, Q, W, Y, Z), so a handheld scanner set to any
// of them presses the same keys. DS1 (the old app's, still verified): "DS1" + device(10) + step(7)
// + Base32 signature(103) = 123 characters.

export const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const SAFE = '0123456789BCDEFGHIJKLNOPRSTUVX';
export const FORMATS = [
  { version: 'DS2', alphabet: SAFE, deviceLength: 11, stepLength: 7, length: 126 },
  { version: 'DS1', alphabet: BASE32, deviceLength: 10, stepLength: 7, length: 123 },
];
export const CURRENT = FORMATS[0];

function formatOf(text) {
  return FORMATS.find((f) => text.length === f.length && text.startsWith(f.version)) || null;
}

/** A well-formed token of either format (the signature is the server's to check). */
export function looksLikeToken(text) {
  const format = formatOf(text);
  if (!format) return false;
  for (let i = format.version.length; i < text.length; i += 1) {
    if (!format.alphabet.includes(text[i])) return false;
  }
  return true;
}

/** "DS2" + the device part: every code of one phone starts with it. Null for anything else. */
export function devicePrefix(text) {
  const format = formatOf(text);
  return format ? text.slice(0, format.version.length + format.deviceLength) : null;
}

/** `value` (a BigInt) as exactly `width` digits of `alphabet`, most significant first. */
export function toDigits(value, width, alphabet) {
  const base = BigInt(alphabet.length);
  let rest = BigInt(value);
  let out = '';
  for (let i = 0; i < width; i += 1) {
    out = alphabet[Number(rest % base)] + out;
    rest /= base;
  }
  return out;
}

export function fromDigits(text, alphabet) {
  const base = BigInt(alphabet.length);
  let value = 0n;
  for (const char of text) value = value * base + BigInt(alphabet.indexOf(char));
  return value;
}

export function bytesToBigInt(bytes) {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}
