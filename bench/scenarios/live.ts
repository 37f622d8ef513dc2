import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { signDevToken } from '../../scripts/lib/dev-token';
import { findFreePort } from '../../scripts/local-stack/free-port';
import { encodeBars } from '../../src/ohlc/live/live-bars.items';
import { livePk } from '../../src/ohlc/store/ohlc-cache.items';
import { openSse, type SseClient } from '../../test/support/sse-client';
import type { BenchContext, Figure, Scenario } from '../bench.types';
import { rssMb } from '../ohlc-workload';
import { p50, p99 } from '../timing';

const MAIN = resolve(__dirname, '../../src/main.js');
const PRELOAD = resolve(__dirname, '../../../test/support/fake-clock-preload.cjs');
const STREAMS = 1000;
const WRITES = 20;
/** Monday 2026-11-30 10:00 ET: the API under test always sees an open session. */
const SESSION_INSTANT = Date.parse('2026-11-30T15:00:00.000Z');
const DATE = '2026-11-30';
const BAR_TIME = '2026-11-30T15:00:00.000Z';

/**
 * Fan-out of the live stream on one API process: 1 000 open streams of one (ticker, resolution).
 * The bench plays the poller of another instance (it writes the live item, the API's own poll
 * interval is set to an hour) and measures, per client, from the acknowledged DynamoDB write to the
 * client receiving the bar; writes come at random phases of the read interval, which bounds the
 * latency. RSS is read after 100 warm-up streams and again with 1 000 more open.
 */
export const liveScenario: Scenario = {
  name: 'live',
  description: `Live stream: fan-out latency from the cache write to ${STREAMS} clients on one process (read interval 1 s and 100 ms), RSS per 1 000 open streams`,
  async run({ local }) {
    // The default read interval (what production sees), then a short one: what the fan-out itself costs.
    return [...(await measure(local, 1000, '')), ...(await measure(local, 100, '_read_100ms'))];
  },
};

async function measure(local: BenchContext['local'], readMs: number, suffix: string): Promise<Figure[]> {
  const port = await findFreePort();
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: local.env.AWS_REGION, endpoint: local.dynamodbEndpoint }));
  const ticker = suffix ? 'MSFT' : 'AAPL';
  const key = { pk: livePk(ticker, '1'), sk: DATE };
  // The bench holds the lease and books no poll for a day: the API only reads and fans out.
  await documents.send(new UpdateCommand({
    TableName: local.env.OHLC_CACHE_TABLE,
    Key: key,
    UpdateExpression: 'SET holder = :bench, lease_until = :far, next_poll_at = :far',
    ExpressionAttributeValues: { ':bench': 'bench', ':far': SESSION_INSTANT + 86_400_000 },
  }));
  const anchor = Date.now();
  const fakeNow = (): number => SESSION_INSTANT + (Date.now() - anchor);
  const api = spawn(process.execPath, ['--require', PRELOAD, MAIN], {
    env: {
      ...process.env, ...local.env, PORT: String(port), LOG_LEVEL: 'info',
      FAKE_CLOCK_START_MS: String(SESSION_INSTANT), FAKE_CLOCK_ANCHOR_MS: String(anchor), FAKE_CLOCK_SPEED: '1',
      OHLC_LIVE_POLL_SECONDS: '3600', OHLC_LIVE_READ_MS: String(readMs),
      OHLC_LIVE_MAX_STREAMS: String(STREAMS * 2),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Warnings of the API (e.g. failed feed ticks) are worth seeing next to the figures.
  api.stdout?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.includes('"level":40') || line.includes('"level":50')) console.error(`live bench API: ${line.slice(0, 300)}`);
  });
  const url = `http://127.0.0.1:${port}`;
  const path = `${url}/api/v2/tickers/${ticker}/ohlc/stream?resolution=1`;
  const clients: SseClient[] = [];
  // One user per stream: the per-user limit (5 by default) stays as in production.
  const tokenFor = (i: number): Promise<string> =>
    signDevToken({ secret: local.env.AUTH_JWT_SECRET, issuer: local.env.AUTH_ISSUER, audience: local.env.AUTH_AUDIENCE, sub: `live-bench${suffix}-${i}`, roles: [] });
  let users = 0;
  const openStreams = async (count: number): Promise<void> => {
    // 20 at a time: a burst of opens is not what this scenario measures (each one costs DynamoDB calls).
    for (let i = 0; i < count; i += 20) {
      const batch = Array.from({ length: Math.min(20, count - i) }, async () =>
        openSse(path, { Authorization: `Bearer ${await tokenFor(users++)}` }));
      clients.push(...(await Promise.all(batch)));
    }
    await Promise.all(clients.map((c) => c.waitFor((x) => x.events.length >= 1, 60_000)));
  };
  try {
    await waitForReady(url);
    // A first 100 streams warm the process up (JIT, SDK sockets, the snapshot's cache entry).
    await openStreams(100);
    const rssWarm = await rssMb(api.pid ?? Number.NaN);
    await openStreams(STREAMS);
    const rssOpen = await rssMb(api.pid ?? Number.NaN);
    const measured = clients.slice(100);
    await untilBreakerClosed(url);

    // The forming bar is the snapshot's last one: each write changes its close, as a poll would.
    type Wire = { date: string; open: number; high: number; low: number; close: number; volume: number };
    const snapshot = clients[0].events[0].data as { candles: Wire[] };
    const forming = snapshot.candles.at(-1) ?? { date: BAR_TIME, open: 100, high: 101, low: 99, close: 100, volume: 1000 };
    const history = snapshot.candles.slice(0, -1).map(({ date, ...values }) => ({ time: date, ...values }));
    const samples: number[] = [];
    for (let k = 1; k <= WRITES; k++) {
      await delay(Math.random() * readMs);
      const close = Math.round((forming.low + (k / (WRITES + 1)) * (forming.high - forming.low)) * 10_000) / 10_000;
      const bar = { time: forming.date, open: forming.open, high: forming.high, low: forming.low, close, volume: forming.volume + k };
      await documents.send(new UpdateCommand({
        TableName: local.env.OHLC_CACHE_TABLE,
        Key: key,
        UpdateExpression: 'SET bars = :bars, polled_at = :polled, written_at = :written ADD version :one',
        ExpressionAttributeValues: { ':bars': encodeBars([...history, bar]), ':polled': fakeNow(), ':written': Date.now(), ':one': 1 },
      }));
      const writtenAt = Date.now();
      const got = (x: SseClient): boolean => x.events.some((e) => e.event === 'bar' && (e.data as { close: number }).close === close);
      await Promise.all(measured.map(async (client) => {
        await client.waitFor(got, 30_000);
        samples.push(Date.now() - writtenAt);
      })).catch(async (error: unknown) => {
        const missing = measured.filter((c) => !got(c));
        const metrics = await (await fetch(`${url}/metrics`)).text();
        console.error(`live bench: write ${k} missing at ${missing.length} clients (ended: ${missing.filter((c) => c.ended()).length});`,
          metrics.split('\n').filter((line) => line.startsWith('ohlc_live_')).join(' | '));
        throw error;
      });
    }
    const interval = `read interval ${readMs} ms`;
    return [
      { scenario: 'live', name: `fanout_p50${suffix}`, value: p50(samples), unit: 'ms', note: `${STREAMS} streams, ${WRITES} writes, ${interval}` },
      { scenario: 'live', name: `fanout_p99${suffix}`, value: p99(samples), unit: 'ms', note: 'cache write acknowledged → bar event at the client' },
      ...(suffix ? [] : [{
        scenario: 'live', name: 'rss_per_1000_streams', value: ((rssOpen - rssWarm) * 1000) / STREAMS, unit: 'MB',
        note: `VmRSS ${rssWarm.toFixed(0)} MB with 100 warm-up streams → ${rssOpen.toFixed(0)} MB with ${STREAMS + 100}`,
      }]),
    ];
  } finally {
    clients.forEach((c) => c.close());
    documents.destroy();
    if (api.exitCode === null && api.signalCode === null) {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
  }
}

/** Opening 1 100 streams on a loaded DynamoDB Local may trip the breaker; fan-out is measured on a healthy one. */
async function untilBreakerClosed(url: string): Promise<void> {
  const giveUpAt = Date.now() + 120_000;
  while (Date.now() < giveUpAt) {
    const body = (await (await fetch(`${url}/health/circuits`)).json()) as { circuits: Record<string, string> };
    if (body.circuits.dynamodb === 'CLOSED') return;
    await delay(500);
  }
  throw new Error('the dynamodb breaker of the live bench API stayed open');
}

async function waitForReady(url: string): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt) {
    const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then((res) => res.ok, () => false);
    if (ok) return;
    await delay(200);
  }
  throw new Error('the live bench API did not become ready');
}
