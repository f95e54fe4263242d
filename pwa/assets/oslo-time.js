// Wall-clock times in Europe/Oslo (the club's time zone, whatever the device's)
// turned into instants with the right UTC offset, daylight saving included.
// The browser's Intl time-zone data does the work; no library.

export const TIME_ZONE = 'Europe/Oslo';

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE, hourCycle: 'h23',
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

/** {year, month, day, hour, minute, second} of an instant as a clock in Oslo shows it. */
export function osloParts(instant) {
  const p = {};
  for (const { type, value } of partsFormat.formatToParts(instant)) p[type] = Number(value);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour % 24, minute: p.minute, second: p.second };
}

/** Oslo's offset from UTC in minutes at an instant (+60 in winter, +120 in summer). */
export function osloOffsetMinutes(ms) {
  const whole = Math.floor(ms / 1000) * 1000;
  const p = osloParts(new Date(whole));
  return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole) / 60000);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

export function isoDate({ year, month, day }) {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** Today's date in Oslo as YYYY-MM-DD, `days` later when given. */
export function osloDate(days = 0, now = new Date()) {
  const p = osloParts(now);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return isoDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

/**
 * "2026-11-25" + "10:00" on an Oslo clock → {iso: "2026-11-25T10:00:00+01:00", ms}.
 * Returns {error: 'invalid'} for an unreadable date or time, and {error: 'nonexistent'}
 * for a time the clocks skip when summer time starts (02:00–03:00 on the last Sunday in
 * March). A time that happens twice (autumn) means the first one.
 */
export function osloToInstant(dateStr, timeStr) {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateStr || '');
  const tm = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(timeStr || '');
  if (!dm || !tm) return { error: 'invalid' };
  const [year, month, day, hour, minute] = [dm[1], dm[2], dm[3], tm[1], tm[2]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return { error: 'invalid' };
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(wall);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return { error: 'invalid' }; // 31 June
  // Two rounds find the offset in force at that wall time; the earlier of two readings wins.
  let offset = osloOffsetMinutes(wall);
  let ms = wall - offset * 60000;
  const again = osloOffsetMinutes(ms);
  if (again !== offset) { offset = again; ms = wall - offset * 60000; }
  const earlier = ms - 3600000;
  if (sameWall(earlier, year, month, day, hour, minute)) { ms = earlier; offset = osloOffsetMinutes(ms); }
  if (!sameWall(ms, year, month, day, hour, minute)) return { error: 'nonexistent' };
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return {
    iso: `${dateStr}T${pad(hour)}:${pad(minute)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`,
    ms,
  };
}

function sameWall(ms, year, month, day, hour, minute) {
  const p = osloParts(new Date(ms));
  return p.year === year && p.month === month && p.day === day && p.hour === hour && p.minute === minute;
}
