// How far this phone's clock is from the server's. Every API answer carries X-Server-Time (Unix
// ms, taken as the answer starts); against the middle of the round trip that gives the offset, with
// an error of at most half the round trip. It is kept in IndexedDB ("meta" → "clock"), so the member
// QR is signed with the server's time offline too, from the last offset known.

import { idbGet, idbSet } from './idb.js';

const STORE = 'meta';
const KEY = 'clock';
const MAX_ROUND_TRIP_MS = 10_000; // slower answers say too little about the time
const SAVE_WHEN_MOVED_MS = 1000;

let offsetMs = 0; // server time minus this phone's time
let measured = false; // an answer in this page load has set offsetMs
let savedMs = null;
let loading = null;

/** Reads the last known offset from IndexedDB once per page load (an answer in between wins). */
export function loadClock() {
  loading ||= idbGet(STORE, KEY).then((stored) => {
    if (stored && Number.isFinite(stored.offset_ms)) {
      savedMs = stored.offset_ms;
      if (!measured) offsetMs = stored.offset_ms;
    }
  }).catch(() => { /* no storage: the phone's own clock */ });
  return loading;
}

/** Called by api.js for every answer: the header's value and this phone's Date.now() around the call. */
export function noteServerTime(header, sentAt, receivedAt) {
  const server = Number(header);
  const roundTrip = receivedAt - sentAt;
  if (!header || !Number.isFinite(server) || server <= 0 || roundTrip < 0 || roundTrip > MAX_ROUND_TRIP_MS) return;
  offsetMs = Math.round(server - (sentAt + receivedAt) / 2);
  measured = true;
  if (savedMs === null || Math.abs(offsetMs - savedMs) >= SAVE_WHEN_MOVED_MS) {
    savedMs = offsetMs;
    idbSet(STORE, KEY, { offset_ms: offsetMs, round_trip_ms: roundTrip, server_time: server }).catch(() => {});
  }
}

/** The server's time now, in Unix ms, as best this phone knows it. */
export function serverNow() {
  return Date.now() + offsetMs;
}

/** Server time minus phone time, in ms: positive when the phone's clock is behind. */
export function clockOffsetMs() {
  return offsetMs;
}
