import { DateTime } from 'luxon';

/** Every NYSE date computation happens in the exchange's own zone, never the host's. */
export const MARKET_ZONE = 'America/New_York';

/** Calendar date in the market zone, `YYYY-MM-DD`. */
export type MarketDate = string;

/**
 * Unscheduled closures that no rule can derive (national days of mourning, storms, 9/11).
 * Keep in sync with NYSE announcements: https://www.nyse.com/markets/hours-calendars
 */
const ONE_OFF_CLOSURES: ReadonlyArray<readonly [MarketDate, string]> = [
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National Day of Mourning (President Reagan)'],
  ['2007-01-02', 'National Day of Mourning (President Ford)'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National Day of Mourning (President G.H.W. Bush)'],
  ['2025-01-09', 'National Day of Mourning (President Carter)'],
];

function day(year: number, month: number, dayOfMonth: number): DateTime {
  return DateTime.fromObject({ year, month, day: dayOfMonth }, { zone: MARKET_ZONE });
}

/** The n-th (1-based) given weekday (1 = Monday … 7 = Sunday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): DateTime {
  const first = day(year, month, 1);
  const offset = (weekday - first.weekday + 7) % 7;
  return first.plus({ days: offset + (n - 1) * 7 });
}

function lastWeekday(year: number, month: number, weekday: number): DateTime {
  const last = day(year, month, 1).endOf('month').startOf('day');
  return last.minus({ days: (last.weekday - weekday + 7) % 7 });
}

/** Western (Gregorian) Easter Sunday, anonymous Gregorian computus (Meeus/Jones/Butcher). */
function easterSunday(year: number): DateTime {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return day(year, month, dayOfMonth);
}

/** NYSE Rule 7.2: Saturday holidays close the Friday before, Sunday holidays the Monday after. */
function observed(date: DateTime): DateTime {
  if (date.weekday === 6) return date.minus({ days: 1 });
  if (date.weekday === 7) return date.plus({ days: 1 });
  return date;
}

/**
 * Full-day closures of one year, keyed by date. New Year's Day on a Saturday is not observed
 * on the Friday before, because that Friday closes the yearly accounting period (Rule 7.2);
 * so every observed date of year Y lies inside year Y.
 */
export function nyseHolidays(year: number): ReadonlyMap<MarketDate, string> {
  const holidays = new Map<MarketDate, string>();
  const add = (date: DateTime, name: string): void => {
    holidays.set(date.toISODate() as MarketDate, name);
  };
  const newYear = day(year, 1, 1);
  if (newYear.weekday !== 6) add(observed(newYear), "New Year's Day");
  add(nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day');
  add(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  add(easterSunday(year).minus({ days: 2 }), 'Good Friday');
  add(lastWeekday(year, 5, 1), 'Memorial Day');
  if (year >= 2022) add(observed(day(year, 6, 19)), 'Juneteenth National Independence Day');
  add(observed(day(year, 7, 4)), 'Independence Day');
  add(nthWeekday(year, 9, 1, 1), 'Labor Day');
  add(thanksgiving(year), 'Thanksgiving Day');
  add(observed(day(year, 12, 25)), 'Christmas Day');
  for (const [date, name] of ONE_OFF_CLOSURES) {
    if (date.startsWith(`${year}-`)) add(DateTime.fromISO(date, { zone: MARKET_ZONE }), name);
  }
  return holidays;
}

function thanksgiving(year: number): DateTime {
  return nthWeekday(year, 11, 4, 4);
}

/**
 * Scheduled 13:00 ET closes of one year (trading days only; the caller excludes holidays):
 * July 3 when it is Monday–Thursday (so July 4 is a weekday that same week; NYSE schedules no
 * early close before a Monday-observed July 4), the day after Thanksgiving, and Christmas Eve.
 */
export function nyseEarlyCloseCandidates(year: number): ReadonlySet<MarketDate> {
  const candidates = new Set<MarketDate>();
  const julyThird = day(year, 7, 3);
  if (julyThird.weekday <= 4) candidates.add(julyThird.toISODate() as MarketDate);
  candidates.add(thanksgiving(year).plus({ days: 1 }).toISODate() as MarketDate);
  candidates.add(day(year, 12, 24).toISODate() as MarketDate);
  return candidates;
}
