/**
 * Arithmetic on `YYYY-MM-DD` calendar dates. A calendar date's validity, weekday and distance to
 * another date do not depend on any time zone, so these need no zone database: they run on every
 * OHLC request, where luxon's zone offsets (through Intl) cost more than the rest of a memory hit.
 */

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Epoch ms of the date at 00:00 UTC, or NaN when it is not a real `YYYY-MM-DD` date. */
function utcMidnight(date: string): number {
  const match = DATE_PATTERN.exec(date);
  if (match === null) return Number.NaN;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over into March: a real date survives the round trip unchanged.
  return back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day ? ms : Number.NaN;
}

function toDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function checked(date: string): number {
  const ms = utcMidnight(date);
  if (Number.isNaN(ms)) throw new RangeError(`Not a YYYY-MM-DD date: ${date}`);
  return ms;
}

export function isRealDate(date: string): boolean {
  return !Number.isNaN(utcMidnight(date));
}

/** `date` moved by `days` calendar days (negative: backwards). */
export function addDays(date: string, days: number): string {
  return toDate(checked(date) + days * DAY_MS);
}

/** Whole calendar days from `start` to `end` (0 for the same date; negative when end is earlier). */
export function daysBetween(start: string, end: string): number {
  return Math.round((checked(end) - checked(start)) / DAY_MS);
}

/**
 * The dates from `start` to `end`, both inclusive, Monday to Friday only, oldest first: one
 * parse of each bound instead of several per day (every OHLC request walks its span).
 */
export function weekdaysBetween(start: string, end: string): string[] {
  const last = checked(end);
  const dates: string[] = [];
  for (let ms = checked(start); ms <= last; ms += DAY_MS) {
    const weekday = new Date(ms).getUTCDay();
    if (weekday !== 0 && weekday !== 6) dates.push(toDate(ms));
  }
  return dates;
}

/** ISO weekday: 1 Monday … 7 Sunday (luxon's numbering). */
export function isoWeekday(date: string): number {
  return new Date(checked(date)).getUTCDay() || 7;
}

export function yearOf(date: string): number {
  checked(date);
  return Number(date.slice(0, 4));
}
