import type { MarketCalendar } from '../market-calendar/market-calendar';
import type { Candle, DateSpan, Resolution } from '../ohlc/candle.model';

/**
 * One row as a provider sent it, before any trust is placed in it. `at` is the session date
 * (`YYYY-MM-DD`) for daily bars and the bar start in epoch milliseconds for intraday bars.
 */
export interface RawBar {
  readonly at: string | number | undefined;
  readonly open: unknown;
  readonly high: unknown;
  readonly low: unknown;
  readonly close: unknown;
  readonly volume: unknown;
}

export interface MappedCandles {
  readonly candles: Candle[];
  /** Rows without a readable time or with a non-finite price; the caller logs them. */
  readonly malformed: number;
}

const DATE_PREFIX = /^\d{4}-\d{2}-\d{2}/;

/**
 * The boundary where wire data becomes `Candle`s: malformed rows are dropped (counted, not
 * fatal), a missing or null volume becomes 0, rows outside the span's sessions are discarded
 * (providers pad ranges and send extended hours), duplicates collapse and the result is oldest first.
 */
export function mapBars(rows: readonly RawBar[], resolution: Resolution, span: DateSpan, calendar: MarketCalendar): MappedCandles {
  const inSpan = resolution === 'D' ? dailyFilter(span, calendar) : intradayFilter(span, calendar);
  const byTime = new Map<string, Candle>();
  let malformed = 0;
  for (const row of rows) {
    const time = timeOf(row.at, resolution);
    const [open, high, low, close] = [row.open, row.high, row.low, row.close];
    if (time === undefined || !isPrice(open) || !isPrice(high) || !isPrice(low) || !isPrice(close)) {
      malformed++;
      continue;
    }
    if (!inSpan(time) || byTime.has(time)) continue;
    byTime.set(time, { time, open, high, low, close, volume: volumeOf(row.volume) });
  }
  const candles = [...byTime.values()].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return { candles, malformed };
}

function timeOf(at: RawBar['at'], resolution: Resolution): string | undefined {
  if (resolution === 'D') return typeof at === 'string' && DATE_PREFIX.test(at) ? at.slice(0, 10) : undefined;
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Providers send null (or nothing) when a bar had no reported volume; the contract says integer, never null. */
function volumeOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

function dailyFilter(span: DateSpan, calendar: MarketCalendar): (date: string) => boolean {
  return (date) => date >= span.start && date <= span.end && calendar.isTradingDay(date);
}

/** Regular-hours sessions only: a bar counts when it starts at or after the open and before the close. */
function intradayFilter(span: DateSpan, calendar: MarketCalendar): (iso: string) => boolean {
  const sessions = calendar.tradingDays(span.start, span.end).flatMap((date) => {
    const session = calendar.session(date);
    return session ? [[Date.parse(session.open), Date.parse(session.close)] as const] : [];
  });
  return (iso) => {
    const ms = Date.parse(iso);
    return sessions.some(([open, close]) => ms >= open && ms < close);
  };
}
