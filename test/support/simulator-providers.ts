import { ServerResponse } from 'node:http';
import { BarMinutes, newYorkDateOf, nyseSession, nyseTradingDays, ScheduledSession, ScheduleDate } from './nyse-schedule';
import { SyntheticCandle, syntheticCandle } from './synthetic-candles';

export type SimulatedProvider = 'tiingo' | 'finnhub';

/** `true`: volume fields are null; `'omit'`: Tiingo drops `volume`, Finnhub drops `v`. */
export type NullVolumeMode = boolean | 'omit';

export interface SimulatedResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Sessions and bars come from the literal schedule in nyse-schedule.ts, never from src/. */
export interface ProviderContext {
  now: Date;
  isUnknown(symbol: string): boolean;
  nullVolumes: NullVolumeMode;
  extendedHours: boolean;
  /** Live mode: the forming bar holds the prices up to `now` only, so it changes between polls. */
  live?: boolean;
}

export interface Route {
  provider: SimulatedProvider;
  kind: 'tiingo-daily' | 'tiingo-intraday' | 'finnhub-candle';
  ticker: string;
}

const TIINGO_DAILY_PATH = /^\/tiingo\/daily\/([^/]+)\/prices\/?$/;
const TIINGO_INTRADAY_PATH = /^\/iex\/([^/]+)\/prices\/?$/;
const FINNHUB_CANDLE_PATH = '/api/v1/stock/candle';

export function route(pathname: string, query: URLSearchParams): Route | null {
  const daily = TIINGO_DAILY_PATH.exec(pathname);
  if (daily) return { provider: 'tiingo', kind: 'tiingo-daily', ticker: decodeURIComponent(daily[1]).toUpperCase() };
  const intraday = TIINGO_INTRADAY_PATH.exec(pathname);
  if (intraday) return { provider: 'tiingo', kind: 'tiingo-intraday', ticker: decodeURIComponent(intraday[1]).toUpperCase() };
  if (pathname === FINNHUB_CANDLE_PATH) return { provider: 'finnhub', kind: 'finnhub-candle', ticker: (query.get('symbol') ?? '').toUpperCase() };
  return null;
}

export function errorBody(provider: SimulatedProvider, message: string): unknown {
  return provider === 'tiingo' ? { detail: message } : { error: message };
}

/** Writes a response unless the client has already gone away. */
export function send(res: ServerResponse, response: SimulatedResponse): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(response.status, { 'content-type': 'application/json', ...response.headers });
  res.end(JSON.stringify(response.body));
}

interface TimedCandle extends SyntheticCandle {
  startMs: number;
}

const TIINGO_FREQUENCIES: Readonly<Record<string, BarMinutes>> = {
  '1min': 1, '5min': 5, '15min': 15, '30min': 30, '60min': 60, '1hour': 60,
};
const FINNHUB_RESOLUTIONS: Readonly<Record<string, BarMinutes | 'D'>> = {
  '1': 1, '5': 5, '15': 15, '30': 30, '60': 60, D: 'D',
};
const TIINGO_DEFAULT_COLUMNS = ['open', 'high', 'low', 'close'];
const CANDLE_COLUMNS = new Set(['open', 'high', 'low', 'close', 'volume']);

/** Daily candles exist only for sessions that have closed, like an end-of-day feed. */
function dailyCandles(ticker: string, dates: ScheduleDate[], ctx: ProviderContext): Array<TimedCandle & { date: ScheduleDate }> {
  return dates.flatMap((date) => {
    const session = nyseSession(date);
    if (!session || session.closeMs > ctx.now.getTime()) return [];
    const candle = syntheticCandle(ticker, session.openMs, session.closeMs, 'D');
    return [{ ...candle, date, startMs: Date.parse(`${date}T00:00:00.000Z`) }];
  });
}

/** Intraday bars that have started by `now`; the one still forming is included, as real feeds do. */
function intradayCandles(ticker: string, dates: ScheduleDate[], resolution: BarMinutes, ctx: ProviderContext): TimedCandle[] {
  return dates.flatMap((date) => {
    const session = nyseSession(date);
    if (!session) return [];
    const { openMs, closeMs } = ctx.extendedHours ? extendedHours(session) : session;
    const starts: number[] = [];
    for (let t = openMs; t < closeMs; t += resolution * 60_000) starts.push(t);
    return starts
      .filter((startMs) => startMs <= ctx.now.getTime())
      .map((startMs) => {
        const endMs = Math.min(startMs + resolution * 60_000, closeMs);
        const soFar = ctx.live && ctx.now.getTime() < endMs ? ctx.now.getTime() : endMs;
        return { ...syntheticCandle(ticker, startMs, soFar, `${resolution}m`), startMs };
      });
  });
}

const PRE_MARKET_MS = 300 * 60_000;
const AFTER_HOURS_MS = 240 * 60_000;

/** Five hours before the open (a whole number of bars at every resolution) to four after the close. */
function extendedHours(session: ScheduledSession): { openMs: number; closeMs: number } {
  return { openMs: session.openMs - PRE_MARKET_MS, closeMs: session.closeMs + AFTER_HOURS_MS };
}

function volumeOf(candle: SyntheticCandle, mode: NullVolumeMode): number | null {
  return mode === false ? candle.volume : null;
}

function tiingoDates(query: URLSearchParams, ctx: ProviderContext): ScheduleDate[] | SimulatedResponse {
  const end = query.get('endDate') ?? newYorkDateOf(ctx.now);
  const start = query.get('startDate') ?? end;
  const pattern = /^\d{4}-\d{2}-\d{2}$/;
  if (!pattern.test(start) || !pattern.test(end)) return { status: 400, body: { detail: 'Error: startDate and endDate must be YYYY-MM-DD' } };
  // A date outside the literal schedule throws: the simulator answers 500 rather than guess.
  return nyseTradingDays(start, end);
}

function tiingoNotFound(ticker: string): SimulatedResponse {
  return { status: 404, body: { detail: `Error: Ticker '${ticker}' not found` } };
}

export function tiingoDaily(ticker: string, query: URLSearchParams, ctx: ProviderContext): SimulatedResponse {
  if (ctx.isUnknown(ticker)) return tiingoNotFound(ticker);
  const dates = tiingoDates(query, ctx);
  if (!Array.isArray(dates)) return dates;
  const body = dailyCandles(ticker, dates, ctx).map((c) => {
    const volume = volumeOf(c, ctx.nullVolumes);
    const row: Record<string, unknown> = {
      date: `${c.date}T00:00:00.000Z`, open: c.open, high: c.high, low: c.low, close: c.close, volume,
      adjOpen: c.open, adjHigh: c.high, adjLow: c.low, adjClose: c.close, adjVolume: volume,
      divCash: 0, splitFactor: 1,
    };
    if (ctx.nullVolumes === 'omit') {
      delete row.volume;
      delete row.adjVolume;
    }
    return row;
  });
  return { status: 200, body };
}

/** Like Tiingo's IEX endpoint, volume is only sent when `columns` asks for it. */
export function tiingoIntraday(ticker: string, query: URLSearchParams, ctx: ProviderContext): SimulatedResponse {
  if (ctx.isUnknown(ticker)) return tiingoNotFound(ticker);
  const resolution = TIINGO_FREQUENCIES[query.get('resampleFreq') ?? ''];
  if (!resolution) return { status: 400, body: { detail: 'Error: resampleFreq must be one of 1min, 5min, 15min, 30min, 1hour' } };
  const dates = tiingoDates(query, ctx);
  if (!Array.isArray(dates)) return dates;
  const requested = query.get('columns')?.split(',').map((c) => c.trim()) ?? TIINGO_DEFAULT_COLUMNS;
  const columns = requested.filter((c) => CANDLE_COLUMNS.has(c) && !(c === 'volume' && ctx.nullVolumes === 'omit'));
  const body = intradayCandles(ticker, dates, resolution, ctx).map((c) => {
    const values: Record<string, number | null> = { ...c, volume: volumeOf(c, ctx.nullVolumes) };
    return Object.fromEntries([['date', new Date(c.startMs).toISOString()], ...columns.map((col) => [col, values[col]])]);
  });
  return { status: 200, body };
}

/** Finnhub answers 200 `{s: "no_data"}` for unknown symbols and empty ranges alike. */
export function finnhubCandles(query: URLSearchParams, ctx: ProviderContext): SimulatedResponse {
  const symbol = (query.get('symbol') ?? '').toUpperCase();
  const resolution = FINNHUB_RESOLUTIONS[query.get('resolution') ?? ''];
  const from = Number(query.get('from'));
  const to = Number(query.get('to'));
  const validEpoch = (value: number): boolean => Number.isInteger(value) && value >= 0 && value < 1e11;
  if (!symbol || !resolution || !query.has('from') || !query.has('to') || !validEpoch(from) || !validEpoch(to)) {
    return { status: 422, body: { error: 'Wrong resolution, symbol, from or to' } };
  }
  if (ctx.isUnknown(symbol) || from > to) return { status: 200, body: { s: 'no_data' } };
  const candles = resolution === 'D'
    ? dailyCandles(symbol, nyseTradingDays(utcDate(from), utcDate(to)), ctx)
    : intradayCandles(symbol, nyseTradingDays(newYorkDateOf(new Date(from * 1000)), newYorkDateOf(new Date(to * 1000))), resolution, ctx);
  const inRange = candles.filter((c) => c.startMs >= from * 1000 && c.startMs <= to * 1000);
  if (inRange.length === 0) return { status: 200, body: { s: 'no_data' } };
  const body: Record<string, unknown> = {
    s: 'ok',
    t: inRange.map((c) => c.startMs / 1000),
    o: inRange.map((c) => c.open),
    h: inRange.map((c) => c.high),
    l: inRange.map((c) => c.low),
    c: inRange.map((c) => c.close),
  };
  if (ctx.nullVolumes !== 'omit') body.v = inRange.map((c) => volumeOf(c, ctx.nullVolumes));
  return { status: 200, body };
}

function utcDate(epochSeconds: number): ScheduleDate {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}
