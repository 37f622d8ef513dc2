import { setTimeout as delay } from 'node:timers/promises';
import { activeTickers } from './ohlc-workload';

export interface OhlcRange {
  readonly ticker: string;
  readonly start: string;
  readonly end: string;
}

interface Answer {
  readonly startedAt: number;
  readonly status: number;
  readonly layer: string | null;
}

export interface OhlcWatch {
  /** Stops the reader; returns ms from `since` to its first answer from the DynamoDB layer (∞ when none). */
  stop(since: number): Promise<{ readonly backAfterMs: number; readonly non200: number }>;
}

/** `count` distinct closed weekly ranges over the fixture's tickers, none requested by anyone yet. */
export function distinctRanges(count: number): OhlcRange[] {
  const tickers = activeTickers();
  return Array.from({ length: count }, (_, i) => {
    const monday = new Date(Date.UTC(2026, 10, 23) - (1 + Math.floor(i / tickers.length)) * 7 * 86_400_000);
    const friday = new Date(monday.getTime() + 4 * 86_400_000);
    return { ticker: tickers[i % tickers.length], start: monday.toISOString().slice(0, 10), end: friday.toISOString().slice(0, 10) };
  });
}

const ohlcUrl = (base: string, range: OhlcRange): string =>
  `${base}/api/v2/tickers/${range.ticker}/ohlc?resolution=D&start_date=${range.start}&end_date=${range.end}`;

/** Loads `ranges` into the shared cache table through an instance that talks to DynamoDB directly. */
export async function warmRanges(baseUrl: string, authorization: string, ranges: readonly OhlcRange[]): Promise<void> {
  const queue = [...ranges];
  const worker = async (): Promise<void> => {
    for (let range = queue.shift(); range !== undefined; range = queue.shift()) {
      const res = await fetch(ohlcUrl(baseUrl, range), { headers: { authorization } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warming ${range.ticker} ${range.start} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * One reader on an instance that serves only OHLC traffic: every 200 ms a range it has never
 * served but that is in DynamoDB, so X-Cache-Source says whether the DynamoDB layer answered.
 */
export function watchOhlcLayer(baseUrl: string, authorization: string, ranges: readonly OhlcRange[]): OhlcWatch {
  const answers: Answer[] = [];
  let running = true;
  const reader = (async () => {
    for (const range of ranges) {
      if (!running) return;
      const startedAt = Date.now();
      const res = await fetch(ohlcUrl(baseUrl, range), { headers: { authorization } }).catch(() => undefined);
      await res?.arrayBuffer();
      answers.push({ startedAt, status: res?.status ?? 0, layer: res?.headers.get('x-cache-source') ?? null });
      await delay(200);
    }
  })();
  return {
    async stop(since) {
      running = false;
      await reader;
      const back = answers.find((a) => a.startedAt >= since && a.layer === 'dynamodb');
      return { backAfterMs: back ? back.startedAt - since : Number.POSITIVE_INFINITY, non200: answers.filter((a) => a.status !== 200).length };
    },
  };
}
