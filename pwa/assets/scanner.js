// Camera QR scanning for the staff screen. Uses the native BarcodeDetector
// when it supports qr_code, otherwise jsQR (Linux Chromium has no detector).
// Frames are sampled ~6.5 times a second: enough for a till, light on battery.

const FRAME_MS = 150;
const MAX_SIDE = 720;
const JSQR_URL = new URL('../vendor/jsqr/dist/jsQR.js', import.meta.url).href; // this build's versioned URL

let jsqrLoading = null;

/** Loads the UMD build once via a same-origin <script> (CSP-safe), resolves to window.jsQR. */
export function loadJsQR() {
  if (globalThis.jsQR) return Promise.resolve(globalThis.jsQR);
  jsqrLoading ||= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = JSQR_URL;
    script.async = true;
    script.onload = () => (globalThis.jsQR ? resolve(globalThis.jsQR) : reject(new Error('jsQR missing')));
    script.onerror = () => { jsqrLoading = null; reject(new Error('jsQR failed to load')); };
    document.head.append(script);
  });
  return jsqrLoading;
}

async function nativeDetector() {
  try {
    if (!('BarcodeDetector' in globalThis)) return null;
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    return formats.includes('qr_code') ? new globalThis.BarcodeDetector({ formats: ['qr_code'] }) : null;
  } catch {
    return null;
  }
}

export class CameraScanner {
  /** onCode(text) is called for every decoded frame; the caller de-duplicates. */
  constructor(onCode) {
    this.onCode = onCode;
    this.video = null;
    this.stream = null;
    this.timer = null;
    this.decode = null;
    this.canvas = document.createElement('canvas');
    this.ctx2d = this.canvas.getContext('2d', { willReadFrequently: true });
    this.engine = null; // 'native' | 'jsqr', handy for tests and debugging
  }

  get running() { return Boolean(this.stream && this.stream.active); }

  /** Point the scanner at a (new) <video>; keeps an existing stream alive. */
  async attach(video) {
    this.video = video;
    if (this.running) {
      video.srcObject = this.stream;
      await video.play().catch(() => {});
    }
  }

  async start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error('no camera api');
    if (!this.running) {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
      });
    }
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.playsInline = true;
    await this.video.play().catch(() => {});
    if (!this.decode) this.decode = await this.pickDecoder();
    this.loop();
  }

  async pickDecoder() {
    const detector = await nativeDetector();
    if (detector) {
      this.engine = 'native';
      return async (video) => {
        const codes = await detector.detect(video);
        return codes.length ? codes[0].rawValue : null;
      };
    }
    const jsQR = await loadJsQR();
    this.engine = 'jsqr';
    return (video) => {
      const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
      const w = Math.round(video.videoWidth * scale);
      const hgt = Math.round(video.videoHeight * scale);
      if (!w || !hgt) return null;
      if (this.canvas.width !== w) this.canvas.width = w;
      if (this.canvas.height !== hgt) this.canvas.height = hgt;
      this.ctx2d.drawImage(video, 0, 0, w, hgt);
      const img = this.ctx2d.getImageData(0, 0, w, hgt);
      const found = jsQR(img.data, w, hgt, { inversionAttempts: 'dontInvert' });
      return found ? found.data : null;
    };
  }

  loop() {
    clearTimeout(this.timer);
    const step = async () => {
      if (!this.running) return;
      const video = this.video;
      if (video && !document.hidden && video.readyState >= 2 && video.videoWidth) {
        try {
          const text = await this.decode(video);
          if (text) this.onCode(text);
        } catch { /* a bad frame is not an error worth reporting */ }
      }
      this.timer = setTimeout(step, FRAME_MS);
    };
    this.timer = setTimeout(step, FRAME_MS);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    if (this.video) this.video.srcObject = null;
  }
}
