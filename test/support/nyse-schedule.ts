/**
 * The market-data simulator's own NYSE schedule: literal dates copied from NYSE's published
 * holiday and early-closing calendars (nyse.com/markets/hours-calendars; the 2021–2023, 2022–2024, 2025–2027
 * and 2026–2028 announcements) and from its notices of unscheduled closures. Deliberately no
 * rules and nothing imported from src/: the e2e suites compare the service's calendar with this,
 * so a wrong rule in src/ohlc cannot also decide what the tests expect.
 *
 * Outside the covered spans every question throws, so no test can silently rely on a guess.
 */
export type ScheduleDate = string;
export type BarMinutes = 1 | 5 | 15 | 30 | 60;

export interface ScheduledSession {
  date: ScheduleDate;
  /** UTC epoch milliseconds of 09:30 and of 16:00 (13:00 on an early close) New York time. */
  openMs: number;
  closeMs: number;
  earlyClose: boolean;
}

/** Spans (inclusive) whose every closure and early close is listed below. */
export const NYSE_SCHEDULE_SPANS: ReadonlyArray<readonly [ScheduleDate, ScheduleDate]> = [
  ['2001-09-04', '2001-09-21'], // September 11 attacks
  ['2004-06-07', '2004-06-18'], // President Reagan's funeral
  ['2006-12-26', '2007-01-12'], // President Ford's funeral
  ['2012-10-22', '2012-11-09'], // Hurricane Sandy
  ['2018-12-03', '2018-12-31'], // President G. H. W. Bush's funeral, a Monday Christmas Eve
  ['2021-01-01', '2028-12-31'], // NYSE's published yearly calendars
];

/** Weekdays without a session. */
const CLOSED: ReadonlySet<ScheduleDate> = new Set([
  '2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14',
  '2004-06-11',
  '2007-01-01', '2007-01-02',
  '2012-10-29', '2012-10-30',
  '2018-12-05', '2018-12-25',
  // 2021: Independence Day and Christmas fell on weekends (observed Monday July 5, Friday December 24).
  '2021-01-01', '2021-01-18', '2021-02-15', '2021-04-02', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24',
  // 2022: New Year's Day fell on a Saturday and was not observed.
  '2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26',
  '2023-01-02', '2023-01-16', '2023-02-20', '2023-04-07', '2023-05-29', '2023-06-19', '2023-07-04', '2023-09-04', '2023-11-23', '2023-12-25',
  '2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25',
  '2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27',
  '2025-12-25',
  '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25',
  '2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24',
  // 2028: New Year's Day falls on a Saturday and is not observed (2027-12-31 trades).
  '2028-01-17', '2028-02-21', '2028-04-14', '2028-05-29', '2028-06-19', '2028-07-04', '2028-09-04', '2028-11-23', '2028-12-25',
]);

/** Sessions that end at 13:00 New York time. */
const EARLY_CLOSE: ReadonlySet<ScheduleDate> = new Set([
  '2018-12-24',
  '2021-11-26',
  '2022-11-25',
  '2023-07-03', '2023-11-24',
  '2024-07-03', '2024-11-29', '2024-12-24',
  '2025-07-03', '2025-11-28', '2025-12-24',
  '2026-11-27', '2026-12-24',
  '2027-11-26',
  '2028-07-03', '2028-11-24',
]);

/**
 * Daylight saving time in New York per year: the first date on EDT (UTC−4) and the first back on
 * EST (UTC−5). Both are Sundays and switch at 02:00, long before any session.
 */
const DAYLIGHT_SAVING: Readonly<Record<number, readonly [ScheduleDate, ScheduleDate]>> = {
  2001: ['2001-04-01', '2001-10-28'],
  2004: ['2004-04-04', '2004-10-31'],
  2006: ['2006-04-02', '2006-10-29'],
  2007: ['2007-03-11', '2007-11-04'],
  2012: ['2012-03-11', '2012-11-04'],
  2018: ['2018-03-11', '2018-11-04'],
  2021: ['2021-03-14', '2021-11-07'],
  2022: ['2022-03-13', '2022-11-06'],
  2023: ['2023-03-12', '2023-11-05'],
  2024: ['2024-03-10', '2024-11-03'],
  2025: ['2025-03-09', '2025-11-02'],
  2026: ['2026-03-08', '2026-11-01'],
  2027: ['2027-03-14', '2027-11-07'],
  2028: ['2028-03-12', '2028-11-05'],
};

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function parse(date: ScheduleDate): { year: number; month: number; day: number; utcMidnightMs: number } {
  const match = DATE_PATTERN.exec(date);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [NaN, NaN, NaN];
  const utcMidnightMs = Date.UTC(year, month - 1, day);
  if (!match || new Date(utcMidnightMs).toISOString().slice(0, 10) !== date) throw new RangeError(`Not a YYYY-MM-DD date: ${date}`);
  return { year, month, day, utcMidnightMs };
}

function assertCovered(date: ScheduleDate): void {
  if (!NYSE_SCHEDULE_SPANS.some(([first, last]) => first <= date && date <= last)) {
    throw new RangeError(`${date} is outside the simulator's literal NYSE schedule (test/support/nyse-schedule.ts)`);
  }
}

/** Hours New York is behind UTC on a date (during trading hours). */
function utcOffsetHours(date: ScheduleDate): number {
  const span = DAYLIGHT_SAVING[parse(date).year];
  if (!span) throw new RangeError(`No daylight-saving dates for ${date} in test/support/nyse-schedule.ts`);
  return span[0] <= date && date < span[1] ? 4 : 5;
}

function isWeekend(date: ScheduleDate): boolean {
  const weekday = new Date(parse(date).utcMidnightMs).getUTCDay();
  return weekday === 0 || weekday === 6;
}

export function isNyseTradingDay(date: ScheduleDate): boolean {
  assertCovered(date);
  return !isWeekend(date) && !CLOSED.has(date);
}

export function nyseSession(date: ScheduleDate): ScheduledSession | null {
  if (!isNyseTradingDay(date)) return null;
  const { year, month, day } = parse(date);
  const offset = utcOffsetHours(date);
  const earlyClose = EARLY_CLOSE.has(date);
  return {
    date,
    openMs: Date.UTC(year, month - 1, day, 9 + offset, 30),
    closeMs: Date.UTC(year, month - 1, day, (earlyClose ? 13 : 16) + offset, 0),
    earlyClose,
  };
}

/** Trading days from start to end, both inclusive, oldest first. */
export function nyseTradingDays(start: ScheduleDate, end: ScheduleDate): ScheduleDate[] {
  const days: ScheduleDate[] = [];
  for (let ms = parse(start).utcMidnightMs; ms <= parse(end).utcMidnightMs; ms += DAY_MS) {
    const date = new Date(ms).toISOString().slice(0, 10);
    if (isNyseTradingDay(date)) days.push(date);
  }
  return days;
}

/** Weekdays from start to end (inclusive) without a session: holidays and one-off closures. */
export function nyseClosedWeekdays(start: ScheduleDate, end: ScheduleDate): ScheduleDate[] {
  const days: ScheduleDate[] = [];
  for (let ms = parse(start).utcMidnightMs; ms <= parse(end).utcMidnightMs; ms += DAY_MS) {
    const date = new Date(ms).toISOString().slice(0, 10);
    if (!isNyseTradingDay(date) && !isWeekend(date)) days.push(date);
  }
  return days;
}

/** Bar start times (epoch ms) of a session from 09:30 New York time; the last bar may be partial. */
export function nyseBarStarts(date: ScheduleDate, minutes: BarMinutes): number[] {
  const session = nyseSession(date);
  if (!session) return [];
  const starts: number[] = [];
  for (let t = session.openMs; t < session.closeMs; t += minutes * 60_000) starts.push(t);
  return starts;
}

/** New York calendar date of an instant (exact except within the hour of a 02:00 switch). */
export function newYorkDateOf(instant: Date): ScheduleDate {
  const standard = new Date(instant.getTime() - 5 * 3_600_000).toISOString().slice(0, 10);
  return utcOffsetHours(standard) === 5 ? standard : new Date(instant.getTime() - 4 * 3_600_000).toISOString().slice(0, 10);
}
