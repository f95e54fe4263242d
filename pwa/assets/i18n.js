// The strings' runtime: t() (plural objects {one, other} picked by params.n, {name} placeholders),
// the language, the error-code table and date formats. The strings themselves live per language
// and per area in strings/<lang>/<area>.js, so a member's phone never downloads the owner's 45 KB:
// - member: loaded (awaited) here, before any screen; also the shared chrome and every error text
// - staff, owner: loaded by the router (useStrings) before a till or back-office screen draws
// Switching language loads the other language's areas first, so t() stays synchronous.

const LOCALES = { nb: 'nb-NO', en: 'en-GB' };
const dictionaries = { nb: {}, en: {} };
const loads = new Map(); // 'nb/member' → Promise, one import per file
const areas = new Set(['member']); // the areas this page has needed, in every language it switches to
const listeners = new Set();
let current = readStoredLang() || 'nb';

function readStoredLang() {
  try {
    const v = localStorage.getItem('lang');
    return v === 'nb' || v === 'en' ? v : null;
  } catch { return null; }
}

function load(lang, area) {
  const id = `${lang}/${area}`;
  if (!loads.has(id)) {
    const loading = import(`./strings/${id}.js`).then((m) => { Object.assign(dictionaries[lang], m.default); });
    loading.catch(() => loads.delete(id)); // offline and never cached: the next call tries again
    loads.set(id, loading);
  }
  return loads.get(id);
}

/** The strings of these areas ('staff', 'owner') in the current language, before a screen draws them. */
export async function useStrings(...names) {
  for (const name of names) areas.add(name);
  await Promise.all(names.map((name) => load(current, name)));
}

export function getLang() { return current; }
export function locale() { return LOCALES[current]; }
export function hasStoredLang() { return readStoredLang() !== null; }

/** Switches once the new language's strings are here (offline and not cached: stays as it is). */
export async function setLang(lang, { persist = true } = {}) {
  if (!LOCALES[lang]) return;
  try {
    await Promise.all([...areas].map((name) => load(lang, name)));
  } catch (err) {
    console.warn('strings not loaded', lang, err);
    return;
  }
  current = lang;
  if (persist) { try { localStorage.setItem('lang', lang); } catch { /* private mode */ } }
  document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang, { persist });
}

export function onLangChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export function has(key) { return key in dictionaries[current] || key in dictionaries.nb; }

export function t(key, params = {}) {
  let value = dictionaries[current][key] ?? dictionaries.nb[key];
  if (value === undefined) return key;
  if (typeof value === 'object') {
    const rule = new Intl.PluralRules(LOCALES[current]).select(Number(params.n ?? 0));
    value = value[rule] ?? value.other;
  }
  return value.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// Friendly text for an ApiError (or anything thrown at us).
export function errorMessage(err) {
  const code = err && err.code;
  const body = (err && err.body) || {};
  if (code === 'network') return t('err.network');
  if (code === 'code_invalid') {
    return Number.isInteger(body.attempts_left)
      ? t('err.code_invalid', { n: body.attempts_left }) : t('err.code_invalid_plain');
  }
  if (code === 'rate_limited') {
    const s = Math.ceil(Number(body.retry_after));
    return Number.isFinite(s) && s > 0 ? t('err.rate_limited', { n: s }) : t('err.rate_limited_plain');
  }
  if (code === 'qr_clock_off') return clockOffParts(err).join(' ');
  if (code && has(`err.${code}`)) return t(`err.${code}`);
  if (err && err.status >= 500) return t('err.server_error');
  return t('err.generic');
}

/** A refused QR made by a phone whose clock is off: [what is wrong, what to tell the member]. */
export function clockOffParts(err) {
  const offset = Number(((err && err.body) || {}).clock_offset_seconds);
  if (!Number.isFinite(offset) || offset === 0) return [t('err.qr_clock_off')];
  const time = approxDuration(Math.abs(offset) * 1000);
  return [t(offset > 0 ? 'staff.clockOff.ahead' : 'staff.clockOff.behind', { time }), t('staff.clockOff.advice')];
}

/** "omtrent 5 minutter", "omtrent 3 timer", "omtrent 2 døgn": a clock's error, in words. */
export function approxDuration(ms) {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 90) return t('time.approxMinutes', { n: minutes });
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return t('time.approxHours', { n: hours });
  return t('time.approxDays', { n: Math.round(ms / 86_400_000) });
}

export function formatDate(iso, opts = { day: 'numeric', month: 'long', year: 'numeric' }) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale(), { timeZone: 'Europe/Oslo', ...opts }).format(d);
}

export function formatDateTime(iso) {
  return formatDate(iso, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

document.documentElement.lang = current;
await load(current, 'member'); // top-level: every module that imports t() waits for these
