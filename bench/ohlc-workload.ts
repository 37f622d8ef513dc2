import { DynamoDBClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MarketCalendar } from '../src/market-calendar/market-calendar';
import { candlePk, rangeSortKeyBounds } from '../src/ohlc/store/ohlc-cache.items';

export interface Span {
  readonly start: string;
  readonly end: string;
}

export const calendar = new MarketCalendar();

/** Active symbols of the fixture ticker list that the ticker parameter accepts, in fixture order. */
export function activeTickers(): string[] {
  const file = resolve(__dirname, '../../fixtures/us-symbols.json');
  const list = JSON.parse(readFileSync(file, 'utf8')) as { symbols: Record<string, { is_active?: boolean }> };
  return Object.entries(list.symbols)
    .filter(([symbol, entry]) => entry.is_active === true && /^[A-Z]{1,5}$/.test(symbol))
    .map(([symbol]) => symbol);
}

/** Deterministic PRNG (mulberry32), so every run draws the same mix. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with P(rank k) ∝ 1 / (k + 1)^s. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 1; k <= n; k++) cumulative.push((total += 1 / k ** s));
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface OhlcAnswer {
  readonly status: number;
  /** X-Cache-Source, or '' when absent. */
  readonly source: string;
  readonly count: number;
}

export function ohlcUrl(baseUrl: string, ticker: string, span: Span): string {
  return `${baseUrl}/api/v2/tickers/${ticker}/ohlc?resolution=D&start_date=${span.start}&end_date=${span.end}`;
}

/** One daily-candles request; the body is read in full, as a client would. */
export async function getOhlc(baseUrl: string, token: string, ticker: string, span: Span): Promise<OhlcAnswer> {
  const res = await fetch(ohlcUrl(baseUrl, ticker, span), { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { count?: number };
  return { status: res.status, source: res.headers.get('x-cache-source') ?? '', count: body.count ?? 0 };
}

/** Tallies answers by `status/source`, e.g. `200/dynamodb`. */
export function tally(answers: readonly OhlcAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[`${a.status}/${a.source || '-'}`] = (counts[`${a.status}/${a.source || '-'}`] ?? 0) + 1;
  return counts;
}

export const describeTally = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([key, n]) => `${n}× ${key}`)
    .join(', ');

/** Paginates a Query to the end; returns the number of items read, and how many of them are candles. */
export async function queryAll(dynamo: DynamoDBClient, input: QueryCommandInput): Promise<{ items: number; candles: number }> {
  const read = { items: 0, candles: 0 };
  let startKey: QueryCommandInput['ExclusiveStartKey'];
  do {
    const page = await dynamo.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    read.items += page.Count ?? 0;
    // Only coverage records carry `complete`.
    read.candles += (page.Items ?? []).filter((item) => item.complete === undefined).length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return read;
}

/**
 * The raw read of a daily range, the same Query the DynamoDB layer makes: `pk = SERIES#{TICKER}#D#0`
 * (never invalidated: epoch 0), the sort keys of the range's candles and coverage records, unexpired.
 */
export function rangeQuery(table: string, ticker: string, span: Span): QueryCommandInput {
  const [from, to] = rangeSortKeyBounds('D', span);
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    FilterExpression: 'expires_at > :now',
    ExpressionAttributeValues: {
      ':pk': { S: candlePk(ticker, 'D', 0) },
      ':from': { S: from },
      ':to': { S: to },
      ':now': { N: String(Math.floor(Date.now() / 1000)) },
    },
  };
}

/**
 * Candles and coverage are written behind the response; waits (bounded) until coverage vouches
 * for every session of the span, so that follow-up requests really are DynamoDB hits.
 */
export async function waitForCoverage(dynamo: DynamoDBClient, table: string, ticker: string, span: Span, timeoutMs = 15_000): Promise<boolean> {
  const sessions = calendar.tradingDays(span.start, span.end).length;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { items, candles } = await queryAll(dynamo, { ...rangeQuery(table, ticker, span), ConsistentRead: true });
    if (items - candles >= sessions) return true;
    await delay(100);
  }
  return false;
}

/** Resident set size of a process in MB (VmRSS from /proc). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
