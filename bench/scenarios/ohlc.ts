import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BenchContext, Figure, Scenario } from '../bench.types';
import { ratio } from '../bench.types';
import { apiMemoryFigures } from '../api-memory';
import { load, type LoadResult } from '../load';
import { distinctKeyFigures, zipfMixFigures } from '../ohlc-mix';
import { dynamodbCallsPerHit } from '../ohlc-round-trips';
import { calendar, describeTally, getOhlc, ohlcUrl, type OhlcAnswer, queryAll, rangeQuery, type Span, tally, waitForCoverage } from '../ohlc-workload';
import { p50, timeAlternated } from '../timing';

const MEMORY_TICKER = 'AAPL';
const MEMORY_SPAN: Span = { start: '2022-06-01', end: '2022-06-30' };
const DYNAMODB_TICKER = 'MSFT';
const DYNAMODB_YEAR: Span = { start: '2023-01-01', end: '2023-12-31' };
const SUB_RANGES = 200;

/**
 * The three cache layers of GET /api/v2/tickers/{ticker}/ohlc against the API child process.
 * Every phase uses its own years (all closed sessions, so everything is cacheable) and thus
 * starts from a known state: 2022 memory hits, 2023 DynamoDB hits, 2025 the Zipf mix, 2024 the
 * distinct-key burst. Quota limits are raised for the bench (bench/run.ts) so no provider call is
 * ever refused for quota.
 */
export const ohlcScenario: Scenario = {
  name: 'ohlc',
  description: 'OHLC memory hits (50 connections), DynamoDB-layer hits vs raw Query, provider calls over a Zipf mix, RSS after 10 000 keys (quota limits raised for the bench)',
  async run(context) {
    const { local } = context;
    const dynamo = new DynamoDBClient({ region: local.env.AWS_REGION, endpoint: local.dynamodbEndpoint });
    try {
      // The API's RSS and heap used after each phase (bench/api-memory.ts).
      return [
        ...(await apiMemoryFigures(context, 'ohlc', 'at_start', 'API process VmRSS before any OHLC request')),
        ...(await memoryHitFigures(context)),
        ...(await apiMemoryFigures(context, 'ohlc', 'after_memory_hits')),
        ...(await dynamodbHitFigures(context, dynamo)),
        ...(await apiMemoryFigures(context, 'ohlc', 'after_dynamodb_hits')),
        ...(await zipfMixFigures(context)),
        ...(await apiMemoryFigures(context, 'ohlc', 'after_mix')),
        ...(await distinctKeyFigures(context, dynamo)),
      ];
    } finally {
      dynamo.destroy();
    }
  },
};

/** Health and memory-hit phases alternate this many times; the figures are the medians. */
const ALTERNATIONS = 3;

/**
 * In-memory hits beside the floor measured in the same stretch: `/health/live` and the hit
 * alternate ALTERNATIONS times (BENCH_SECONDS split between them), so a machine that speeds up
 * or slows down during the run moves both sides instead of the ratio.
 */
async function memoryHitFigures(context: BenchContext): Promise<Figure[]> {
  const { local, seconds } = context;
  const first = await getOhlc(local.apiUrl, local.token, MEMORY_TICKER, MEMORY_SPAN);
  const phaseSeconds = Math.max(1, seconds / ALTERNATIONS);
  const health: LoadResult[] = [];
  const hits: LoadResult[] = [];
  for (let i = 0; i < ALTERNATIONS; i += 1) {
    health.push(await load({ url: `${local.apiUrl}/health/live`, seconds: phaseSeconds, connections: 50 }));
    hits.push(
      await load({
        url: ohlcUrl(local.apiUrl, MEMORY_TICKER, MEMORY_SPAN),
        seconds: phaseSeconds,
        connections: 50,
        headers: { authorization: `Bearer ${local.token}` },
      }),
    );
  }
  const sample = await getOhlc(local.apiUrl, local.token, MEMORY_TICKER, MEMORY_SPAN);
  const sampleNote = `warm-up ${first.status}/${first.source}, sample after the load ${sample.status}/${sample.source} (${sample.count} candles)`;
  const healthRps: Figure = {
    scenario: 'ohlc',
    name: 'health_rps_alternated',
    value: p50(health.map((r) => r.requestsPerSecond)),
    unit: 'req/s',
    note: `/health/live, 50 connections; median of ${runsOf(health)}`,
  };
  const hitRps = p50(hits.map((r) => r.requestsPerSecond));
  return [
    {
      scenario: 'ohlc',
      name: 'memory_rps',
      value: hitRps,
      unit: 'req/s',
      ratio: ratio(hitRps, 'ohlc.health_rps_alternated', healthRps),
      note: `${MEMORY_TICKER} D ${MEMORY_SPAN.start}..${MEMORY_SPAN.end}, 50 connections; median of ${runsOf(hits)}, alternated with /health/live`,
    },
    healthRps,
    { scenario: 'ohlc', name: 'memory_p50', value: p50(hits.map((r) => r.p50Ms)), unit: 'ms', note: sampleNote },
    { scenario: 'ohlc', name: 'memory_p99', value: p50(hits.map((r) => r.p99Ms)), unit: 'ms' },
    { scenario: 'ohlc', name: 'memory_non_2xx', value: hits.reduce((n, r) => n + r.non2xx + r.errors, 0), unit: 'responses' },
  ];
}

const runsOf = (results: readonly LoadResult[]): string => results.map((r) => Math.round(r.requestsPerSecond)).join('/') + ' req/s';

/** Distinct sub-ranges of a year already in DynamoDB: each misses memory and hits layer 2. */
async function dynamodbHitFigures(context: BenchContext, dynamo: DynamoDBClient): Promise<Figure[]> {
  const { local } = context;
  const warm = await getOhlc(local.apiUrl, local.token, DYNAMODB_TICKER, DYNAMODB_YEAR);
  const covered = await waitForCoverage(dynamo, local.env.OHLC_CACHE_TABLE, DYNAMODB_TICKER, DYNAMODB_YEAR);
  const days = calendar.tradingDays(DYNAMODB_YEAR.start, DYNAMODB_YEAR.end);
  // About a month each (21–25 sessions), every one starting on a different session.
  const spans: Span[] = Array.from({ length: SUB_RANGES }, (_, k) => ({ start: days[k], end: days[k + 20 + (k % 5)] }));

  // Each range through the API, then the same range's raw Query, so drift in machine load hits both alike.
  const answers: OhlcAnswer[] = [];
  const candleCounts: number[] = [];
  const [http, raw] = await timeAlternated(SUB_RANGES, 1, [
    async () => answers.push(await getOhlc(local.apiUrl, local.token, DYNAMODB_TICKER, spans[answers.length])),
    async () => candleCounts.push((await queryAll(dynamo, rangeQuery(local.env.OHLC_CACHE_TABLE, DYNAMODB_TICKER, spans[candleCounts.length]))).candles),
  ]);
  const sameItems = answers.every((a, k) => a.count === candleCounts[k]);

  const rawFigure: Figure = {
    scenario: 'ohlc',
    name: 'raw_query_p50',
    value: p50(raw),
    unit: 'ms',
    note: `Query SERIES#${DYNAMODB_TICKER}#D#0 sk BETWEEN (candles and coverage), unexpired, paginated, same ${SUB_RANGES} ranges${sameItems ? '; same candle counts as the answers' : '; candle counts DIFFER from the answers'}`,
  };
  const httpP50 = p50(http);
  return [
    {
      scenario: 'ohlc',
      name: 'dynamodb_hit_p50',
      value: httpP50,
      unit: 'ms',
      ratio: ratio(httpP50, rawFigure.name, rawFigure),
      note: `${SUB_RANGES} distinct sub-ranges of ${DYNAMODB_YEAR.start.slice(0, 4)} one at a time, alternated with the raw Query; warm-up ${warm.source}${covered ? '' : ' (coverage not complete)'}; ${describeTally(tally(answers))}`,
    },
    rawFigure,
    ...(await dynamodbCallsPerHit(context, DYNAMODB_TICKER, spans)),
  ];
}
