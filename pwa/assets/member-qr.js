// Member QR token (format DS1, verified byte for byte by the server) and its
// drawing. token = "DS1" + device_id(10) + step32(7) + base32(sig)(103) = 123
// chars of [A-Z2-7] plus the "1", so the QR can use alphanumeric mode.

import qrcode from '/vendor/qrcode-generator/dist/qrcode.mjs';
import { signBytes } from './device-key.js';

export const STEP_SECONDS = 30;
export const QUIET_ZONE = 4;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32(bytes) {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1; // keep only unread bits so the int never overflows
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out; // RFC 4648 without "=" padding
}

export function currentStep(nowMs = Date.now()) {
  return Math.floor(nowMs / 1000 / STEP_SECONDS);
}

/** Step as exactly 7 Base32 digits, most significant first (0 → "AAAAAAA"). */
export function encodeStep(step) {
  let out = '';
  let rest = step;
  for (let i = 0; i < 7; i += 1) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

export async function makeToken(pair, deviceId, step = currentStep()) {
  const head = `DS1${deviceId}${encodeStep(step)}`;
  const sig = await signBytes(pair, new TextEncoder().encode(head));
  return head + base32(sig);
}

/**
 * Draw `text` onto `canvas` with whole device pixels per module so the code
 * stays crisp on any screen; aims for about `targetCss` CSS pixels wide.
 */
export function drawQr(canvas, text, targetCss) {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Alphanumeric');
  qr.make();
  const modules = qr.getModuleCount();
  const total = modules + QUIET_ZONE * 2;
  const dpr = globalThis.devicePixelRatio || 1;
  const perModule = Math.max(2, Math.floor((targetCss * dpr) / total));
  const size = perModule * total;
  canvas.width = size;
  canvas.height = size;
  canvas.style.width = `${size / dpr}px`;
  canvas.style.height = `${size / dpr}px`;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#000000';
  for (let r = 0; r < modules; r += 1) {
    for (let c = 0; c < modules; c += 1) {
      if (qr.isDark(r, c)) {
        ctx.fillRect((c + QUIET_ZONE) * perModule, (r + QUIET_ZONE) * perModule, perModule, perModule);
      }
    }
  }
  return { modules, perModule };
}
