import { DateTime } from 'luxon';
import { addDays, isoWeekday, weekdaysBetween, yearOf } from './calendar-dates';
import { MARKET_ZONE, MarketDate, nyseEarlyCloseCandidates, nyseHolidays } from './market-holidays';

export { MARKET_ZONE, type MarketDate } from './market-holidays';

export type IntradayResolution = 1 | 5 | 15 | 30 | 60;
export type RangePreset = '1D' | '1W' | '1M' | '3M' | '6M' | 'YTD' | '1Y';
export type TimeSource = () => Date;

export interface TradingSession {
  date: MarketDate;
  /** UTC ISO timestamps, e.g. `2026-11-20T14:30:00.000Z`. */
  open: string;
  close: string;
  earlyClose: boolean;
}

export interface DateRange {
  start_date: MarketDate;
  end_date: MarketDate;
}

/**
 * Inclusive calendar-day windows of the presets. They equal the longest span the API allows
 * for the finest resolution each preset is meant for (1W↔1 min: 7, 1M↔5 min: 30, 3M↔15/30 min: 90,
 * 6M↔60 min: 180), so a preset never fails span validation; the contract's example
 * (1M ending 2026-11-20 starts 2026-10-22) is such a 30-day window.
 */
export const PRESET_WINDOW_DAYS: Readonly<Record<Exclude<RangePreset, '1D' | 'YTD'>, number>> = {
  '1W': 7,
  '1M': 30,
  '3M': 90,
  '6M': 180,
  '1Y': 365,
};

const REGULAR_OPEN = { hour: 9, minute: 30 };
const REGULAR_CLOSE = { hour: 16, minute: 0 };
const EARLY_CLOSE = { hour: 13, minute: 0 };
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Memos of dates the service asks about again and again (every request's span), bounded. */
const MAX_MEMO_ENTRIES = 20_000;

/** The New York date that holds from `from` (its midnight there) until `until` (the next one), in epoch ms. */
interface MarketDay {
  readonly date: MarketDate;
  readonly from: number;
  readonly until: number;
}

/**
 * NYSE regular-hours calendar. All dates are market (America/New_York) dates, never host or UTC
 * dates. Results that need New York's zone offsets (today's date, session times) are memoised:
 * they are asked on every OHLC request and luxon computes offsets through Intl.
 */
export class MarketCalendar {
  private readonly holidaysByYear = new Map<number, ReadonlyMap<MarketDate, string>>();
  private readonly earlyClosesByYear = new Map<number, ReadonlySet<MarketDate>>();
  private readonly sessions = new Map<MarketDate, TradingSession | null>();
  private readonly presetRanges = new Map<string, DateRange>();
  private lastDay: MarketDay | undefined;

  constructor(private readonly clock: TimeSource = () => new Date()) {}

  /** Today's date in New York according to the clock (03:00Z on the 22nd is still the 21st there). */
  marketToday(): MarketDate {
    return this.marketDateOf(this.clock());
  }

  /**
   * The New York calendar date of an instant. The last answer is kept with the instants of its
   * midnights there (luxon knows the DST shifts: a day may last 23 or 25 hours), so every instant
   * of the same New York day, on any clock moving either way, is answered without luxon.
   */
  marketDateOf(instant: Date): MarketDate {
    const ms = instant.getTime();
    const known = this.lastDay;
    if (known !== undefined && ms >= known.from && ms < known.until) return known.date;
    const midnight = DateTime.fromMillis(ms, { zone: MARKET_ZONE }).startOf('day');
    const day: MarketDay = { date: midnight.toISODate() as MarketDate, from: midnight.toMillis(), until: midnight.plus({ days: 1 }).toMillis() };
    this.lastDay = day;
    return day.date;
  }

  isTradingDay(date: MarketDate): boolean {
    return isoWeekday(date) <= 5 && !this.holidays(yearOf(date)).has(date);
  }

  /** Holiday name when the exchange is closed all day for a holiday or one-off closure. */
  holidayName(date: MarketDate): string | undefined {
    return this.holidays(yearOf(date)).get(date);
  }

  isEarlyClose(date: MarketDate): boolean {
    return this.isTradingDay(date) && this.earlyCloses(yearOf(date)).has(date);
  }

  /** Regular-hours session of a date, or null when the market is closed that day. */
  session(date: MarketDate): TradingSession | null {
    const known = this.sessions.get(date);
    if (known !== undefined) return known;
    const session = this.computeSession(date);
    remember(this.sessions, date, session);
    return session;
  }

  /** Trading days from start to end, both inclusive, oldest first. */
  tradingDays(start: MarketDate, end: MarketDate): MarketDate[] {
    return weekdaysBetween(start, end).filter((date) => this.holidayName(date) === undefined);
  }

  lastTradingDayOnOrBefore(date: MarketDate): MarketDate {
    let candidate = addDays(date, 0);
    // The longest NYSE closure on record is far shorter than two weeks; the bound guards bad input.
    for (let step = 0; step < 14; step++, candidate = addDays(candidate, -1)) {
      if (this.isTradingDay(candidate)) return candidate;
    }
    throw new RangeError(`No trading day within two weeks before ${date}`);
  }

  /**
   * Start times (UTC ISO) of every bar of a session, anchored at 09:30 ET. The last bar is partial
   * when the session length is not a multiple of the resolution (60 min: 15:30–16:00, 12:30–13:00).
   * Empty for a non-trading day.
   */
  barsForSession(date: MarketDate, resolutionMinutes: IntradayResolution): string[] {
    const session = this.session(date);
    if (!session) return [];
    const closeMs = Date.parse(session.close);
    const stepMs = resolutionMinutes * 60_000;
    const bars: string[] = [];
    for (let t = Date.parse(session.open); t < closeMs; t += stepMs) bars.push(new Date(t).toISOString());
    return bars;
  }

  /**
   * True when the date can gain no more regular-hours data: its session closed at or before
   * `now`, or it is not a trading day at all (holidays and weekends never get candles).
   */
  isSessionClosed(date: MarketDate, now: Date = this.clock()): boolean {
    const session = this.session(date);
    return session === null || Date.parse(session.close) <= now.getTime();
  }

  /**
   * Date window of a preset ending at `today` (default: the clock's market date), both inclusive.
   * 1D is the latest trading day on or before today (start = end = that day; before 09:30 ET on a
   * trading day this is today, which has no bars yet). YTD starts on January 1 of today's year;
   * the others span PRESET_WINDOW_DAYS calendar days including today.
   */
  rangeForPreset(preset: RangePreset, today: MarketDate = this.marketToday()): DateRange {
    const key = `${preset}|${today}`;
    const known = this.presetRanges.get(key);
    if (known !== undefined) return { ...known };
    let range: DateRange;
    if (preset === '1D') {
      const lastSession = this.lastTradingDayOnOrBefore(today);
      range = { start_date: lastSession, end_date: lastSession };
    } else {
      const start = preset === 'YTD' ? `${yearOf(today)}-01-01` : addDays(today, -(PRESET_WINDOW_DAYS[preset] - 1));
      range = { start_date: start, end_date: today };
    }
    remember(this.presetRanges, key, range);
    return { ...range };
  }

  private computeSession(date: MarketDate): TradingSession | null {
    if (!this.isTradingDay(date)) return null;
    const start = parseMarketDate(date);
    const earlyClose = this.earlyCloses(start.year).has(date);
    return Object.freeze({
      date,
      open: toUtcIso(start.set(REGULAR_OPEN)),
      close: toUtcIso(start.set(earlyClose ? EARLY_CLOSE : REGULAR_CLOSE)),
      earlyClose,
    });
  }

  private holidays(year: number): ReadonlyMap<MarketDate, string> {
    let holidays = this.holidaysByYear.get(year);
    if (!holidays) {
      holidays = nyseHolidays(year);
      this.holidaysByYear.set(year, holidays);
    }
    return holidays;
  }

  private earlyCloses(year: number): ReadonlySet<MarketDate> {
    let earlyCloses = this.earlyClosesByYear.get(year);
    if (!earlyCloses) {
      earlyCloses = nyseEarlyCloseCandidates(year);
      this.earlyClosesByYear.set(year, earlyCloses);
    }
    return earlyCloses;
  }
}

/** Keeps a memo bounded: past the bound it starts over (the working set is a few hundred dates). */
function remember<K, V>(memo: Map<K, V>, key: K, value: V): void {
  if (memo.size >= MAX_MEMO_ENTRIES) memo.clear();
  memo.set(key, value);
}

/** Midnight of a market date in New York; rejects anything but a real `YYYY-MM-DD` date. */
function parseMarketDate(date: MarketDate): DateTime {
  const parsed = DATE_PATTERN.test(date) ? DateTime.fromISO(date, { zone: MARKET_ZONE }) : null;
  if (!parsed?.isValid) throw new RangeError(`Not a YYYY-MM-DD date: ${date}`);
  return parsed;
}

function toUtcIso(instant: DateTime): string {
  return instant.toUTC().toISO() as string;
}
