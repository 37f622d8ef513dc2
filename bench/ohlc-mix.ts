import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RangePreset } from '../src/market-calendar/market-calendar';
import { apiMemoryFigures } from './api-memory';
import type { BenchContext, Figure } from './bench.types';
import {
  activeTickers,
  calendar,
  describeTally,
  getOhlc,
  type OhlcAnswer,
  seededRandom,
  type Span,
  tally,
  waitForCoverage,
  zipf,
} from './ohlc-workload';
import { p50, timeCalls } from './timing';

const IN_FLIGHT = 20;

const MIX_REQUESTS = 2000;
const MIX_TICKERS = 200;
const ZIPF_S = 1.1;
/** Most popular first; ranks drawn with the same exponent as the tickers. */
const MIX_RANGES: readonly RangePreset[] = ['1M', '1W', '3M', '6M', '1Y'];
/** The presets end on this date as if it were today, so every session in them has closed. */
const MIX_TODAY = '2025-12-31';

const BURST_TICKERS = 20;
const BURST_YEAR: Span = { start: '2024-01-01', end: '2024-12-31' };
const BURST_KEYS = 10_000;

/**
 * Provider calls per 1000 requests when popularity is skewed: tickers and ranges each drawn by a
 * Zipf law (s = 1.1), so the cache, the coalescing of identical in-flight loads and the gap fill
 * of overlapping ranges all play their part. Cold at the start: 2025 is untouched before.
 */
export async function zipfMixFigures(context: BenchContext): Promise<Figure[]> {
  const { local } = context;
  const tickers = activeTickers().slice(0, MIX_TICKERS);
  const random = seededRandom(20251231);
  const tickerRank = zipf(tickers.length, ZIPF_S, random);
  const rangeRank = zipf(MIX_RANGES.length, ZIPF_S, random);
  const requests = Array.from({ length: MIX_REQUESTS }, () => {
    const preset = calendar.rangeForPreset(MIX_RANGES[rangeRank()], MIX_TODAY);
    return { ticker: tickers[tickerRank()], span: { start: preset.start_date, end: preset.end_date } };
  });
  const distinct = new Set(requests.map((r) => `${r.ticker}|${r.span.start}|${r.span.end}`)).size;

  const before = local.simulator.calls();
  const answers: OhlcAnswer[] = [];
  const latencies = await timeCalls(requests.length, IN_FLIGHT, async (i) =>
    answers.push(await getOhlc(local.apiUrl, local.token, requests[i].ticker, requests[i].span)),
  );
  const calls = local.simulator.calls() - before;
  return [
    {
      scenario: 'ohlc',
      name: 'mix_provider_calls_per_1000',
      value: (calls / requests.length) * 1000,
      unit: 'calls',
      note: `${calls} provider calls for ${requests.length} requests (${IN_FLIGHT} in flight) over ${tickers.length} tickers × ${MIX_RANGES.join('/')} D; ${describeTally(tally(answers))}`,
    },
    { scenario: 'ohlc', name: 'mix_distinct_keys', value: distinct, unit: 'keys', note: `Zipf s=${ZIPF_S}; presets ending ${MIX_TODAY}` },
    { scenario: 'ohlc', name: 'mix_p50', value: p50(latencies), unit: 'ms' },
  ];
}

/**
 * Resident memory of the API process after 10 000 distinct keys, all DynamoDB hits: sub-ranges
 * (5–24 sessions) of one year of 20 tickers that are fetched once beforehand. The memory layer is
 * bounded by bytes (OHLC_MEMORY_CACHE_MB), so RSS should level off rather than grow per key.
 */
export async function distinctKeyFigures(context: BenchContext, dynamo: DynamoDBClient): Promise<Figure[]> {
  const { local } = context;
  const tickers = activeTickers().slice(-BURST_TICKERS);
  await timeCalls(tickers.length, IN_FLIGHT, (i) => getOhlc(local.apiUrl, local.token, tickers[i], BURST_YEAR));
  const covered = await Promise.all(tickers.map((t) => waitForCoverage(dynamo, local.env.OHLC_CACHE_TABLE, t, BURST_YEAR)));

  const days = calendar.tradingDays(BURST_YEAR.start, BURST_YEAR.end);
  const perTicker = BURST_KEYS / tickers.length;
  const keyAt = (i: number): { ticker: string; span: Span } => {
    const j = Math.floor(i / tickers.length);
    const start = (j % 25) * 9;
    const length = 5 + Math.floor(j / 25);
    return { ticker: tickers[i % tickers.length], span: { start: days[start], end: days[start + length - 1] } };
  };
  if (perTicker > 25 * 20 || days.length < 24 * 9 + 24) throw new Error('the burst needs more distinct sub-ranges than it can build');

  const before = await apiMemoryFigures(context, 'ohlc', 'before_burst');
  const callsBefore = local.simulator.calls();
  const answers: OhlcAnswer[] = [];
  const started = performance.now();
  await timeCalls(BURST_KEYS, IN_FLIGHT, async (i) => answers.push(await getOhlc(local.apiUrl, local.token, keyAt(i).ticker, keyAt(i).span)));
  const seconds = (performance.now() - started) / 1000;
  const calls = local.simulator.calls() - callsBefore;
  const after = await apiMemoryFigures(
    context,
    'ohlc',
    'after_10k_keys',
    `API process VmRSS after ${BURST_KEYS} distinct keys in ${seconds.toFixed(0)} s (${IN_FLIGHT} in flight), ${calls} provider calls${covered.every(Boolean) ? '' : ', coverage incomplete before'}; ${describeTally(tally(answers))}`,
  );
  return [...before, ...after];
}
