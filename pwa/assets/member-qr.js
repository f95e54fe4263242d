// The member QR token (format DS2, see qr-token.js; verified byte for byte by the server) and its
// drawing. Signed for the server's time (server-clock.js), so a phone whose clock is off still works.

import qrcode from '../vendor/qrcode-generator/dist/qrcode.mjs'; // relative: the versioned URL's prefix carries over
import { signBytes } from './device-key.js';
import { BASE32, CURRENT, SAFE, bytesToBigInt, fromDigits, toDigits } from './qr-token.js';
import { serverNow } from './server-clock.js';

export const STEP_SECONDS = 30;
export const QUIET_ZONE = 4;
const SIGNATURE_DIGITS = 105;

export function currentStep(nowMs = serverNow()) {
  return Math.floor(nowMs / 1000 / STEP_SECONDS);
}

/** The text the phone signs: "DS2" + the device id's 50 bits (kept as 10 Base32 characters) + the step. */
export function signedPart(deviceId, step) {
  return CURRENT.version + toDigits(fromDigits(deviceId, BASE32), CURRENT.deviceLength, SAFE)
    + toDigits(step, CURRENT.stepLength, SAFE);
}

export async function makeToken(pair, deviceId, step = currentStep()) {
  const head = signedPart(deviceId, step);
  const sig = await signBytes(pair, new TextEncoder().encode(head)); // raw r||s, 64 bytes
  return head + toDigits(bytesToBigInt(sig), SIGNATURE_DIGITS, SAFE);
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
