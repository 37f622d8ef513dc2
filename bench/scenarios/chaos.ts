import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { signDevToken } from '../../scripts/lib/dev-token';
import { startCreateLoad, type CreateOutcome } from '../../test/support/create-load';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy, type FaultPlan } from '../../test/support/dynamodb-fault-proxy';
import { startApiProcess, type ApiProcess } from '../api-process';
import type { Figure, Scenario } from '../bench.types';
import { phaseFigures, slowest503Ms } from '../chaos-figures';
import { distinctRanges, warmRanges, watchOhlcLayer } from '../chaos-ohlc';

const CLIENTS = 8;
/** The long outage; BENCH_CHAOS_OUTAGE_SECONDS shortens it for a quick look. */
const OUTAGE_SECONDS = Number(process.env.BENCH_CHAOS_OUTAGE_SECONDS ?? 60);
/** OHLC-only instances during the long outage: the default 60 s cache bypass, and a short one. */
const OHLC_READERS = [
  { name: 'ohlc_default', env: {} },
  { name: 'ohlc_bypass_3s', env: { CIRCUIT_DYNAMODB_CACHE_HALF_OPEN_AFTER_MS: '3000' } },
] as const;

interface Phase {
  readonly fault: FaultPlan;
  readonly beforeMs: number;
  readonly faultMs: number;
  readonly afterMs: number;
}

interface PhaseRun {
  readonly creates: readonly CreateOutcome[];
  readonly faultStart: number;
  readonly faultEnd: number;
}

/**
 * The service with default settings behind a DynamoDB fault proxy, under steady create/delete
 * load from 8 users (one request at a time each): a 1.5 s total outage (100 % 5xx), 8 s of 30 %
 * throttling, and a long outage (connections dropped, as with DynamoDB stopped). Prints, per
 * phase, the success rate, the 500s, failures without Retry-After and the time from the end of
 * the fault to sustained 201s.
 */
export const chaosScenario: Scenario = {
  name: 'chaos',
  description: `${CLIENTS} users create/delete through a DynamoDB fault proxy: 1.5 s outage, 8 s of 30 % throttling, ${OUTAGE_SECONDS} s outage`,
  async run({ local }) {
    const proxy = await startDynamoDbFaultProxy(local.dynamodbEndpoint);
    const api = await startApiProcess({ ...local.env, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, LOG_LEVEL: 'warn' });
    try {
      const runId = randomUUID().slice(0, 8);
      const tokens = await Promise.all(
        Array.from({ length: CLIENTS }, async (_, i) => {
          const sub = `chaos-${runId}-${i}`;
          const { AUTH_JWT_SECRET: secret, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } = local.env;
          return `Bearer ${await signDevToken({ secret, issuer, audience, sub, roles: [] })}`;
        }),
      );
      // Warm-up: a cold process answers its first requests slowly, which is no figure of the fault.
      await runPhase(api, proxy, tokens, { fault: {}, beforeMs: 0, faultMs: 0, afterMs: 2000 });

      let outageRun: PhaseRun | undefined;
      const blip = await runPhase(api, proxy, tokens, { fault: { errorShare: 1 }, beforeMs: 3000, faultMs: 1500, afterMs: 15_500 });
      await untilClosed(api);
      const throttled = await runPhase(api, proxy, tokens, { fault: { throttleShare: 0.3 }, beforeMs: 2000, faultMs: 8000, afterMs: 5000 });
      await untilClosed(api);
      // Ranges in DynamoDB that the OHLC-only instances have never served: X-Cache-Source tells the layer.
      const perReader = Math.ceil((OUTAGE_SECONDS + 15) * 5) + 20;
      const ranges = distinctRanges(perReader * OHLC_READERS.length);
      await warmRanges(local.apiUrl, `Bearer ${local.token}`, ranges);
      const readers = await Promise.all(
        OHLC_READERS.map((reader) => startApiProcess({ ...local.env, ...reader.env, AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, LOG_LEVEL: 'warn' })),
      );
      let ohlcFigures: Figure[] = [];
      try {
        await delay(1000); // lets the warming instance's write-behind land
        const watches = readers.map((reader, i) => watchOhlcLayer(reader.url, `Bearer ${local.token}`, ranges.slice(i * perReader, (i + 1) * perReader)));
        const outage = await runPhase(api, proxy, tokens, { fault: { down: true }, beforeMs: 2000, faultMs: OUTAGE_SECONDS * 1000, afterMs: 10_000 });
        const results = await Promise.all(watches.map((watch) => watch.stop(outage.faultEnd)));
        ohlcFigures = results.flatMap((result, i) => [
          { scenario: 'chaos', name: `${OHLC_READERS[i].name}_dynamodb_layer_back`, value: result.backAfterMs, unit: 'ms', note: 'outage end → first answer from the DynamoDB layer' },
          { scenario: 'chaos', name: `${OHLC_READERS[i].name}_non_200`, value: result.non200, unit: 'responses' },
        ]);
        outageRun = outage;
      } finally {
        await Promise.all(readers.map((reader) => reader.stop()));
      }
      const outage = outageRun!;

      const during = (run: PhaseRun) => run.creates.filter((c) => c.startedAt >= run.faultStart && c.startedAt < run.faultEnd);
      const outageCreates = during(outage).filter((c) => c.endedAt <= outage.faultEnd);
      return [
        ...phaseFigures('blip', '20 s run with 1.5 s of 100 % 5xx', blip.creates, blip.faultEnd),
        ...phaseFigures('throttling', 'creates started during 8 s of 30 % throttling', during(throttled), throttled.faultEnd),
        ...phaseFigures('outage', `${OUTAGE_SECONDS} s of dropped connections, then 10 s`, outage.creates, outage.faultEnd),
        {
          scenario: 'chaos',
          name: 'outage_answered_503',
          value: outageCreates.length === 0 ? 0 : (100 * outageCreates.filter((c) => c.status === 503 && Number(c.retryAfter) >= 1).length) / outageCreates.length,
          unit: '% 503+Retry-After',
          note: `${outageCreates.length} creates during the outage`,
        },
        { scenario: 'chaos', name: 'outage_slowest_503', value: slowest503Ms(outageCreates), unit: 'ms', note: 'bounded by REQUEST_DEADLINE_MS (5000)' },
        ...ohlcFigures,
      ] satisfies Figure[];
    } finally {
      await api.stop();
      await proxy.close();
    }
  },
};

async function runPhase(api: ApiProcess, proxy: DynamoDbFaultProxy, tokens: readonly string[], phase: Phase): Promise<PhaseRun> {
  const load = startCreateLoad(api.url, tokens);
  await delay(phase.beforeMs);
  const faultStart = Date.now();
  proxy.setFaults(phase.fault);
  await delay(phase.faultMs);
  proxy.clearFaults();
  const faultEnd = Date.now();
  await delay(phase.afterMs);
  await load.stop();
  return { creates: load.creates, faultStart, faultEnd };
}

/** The next phase starts from a closed breaker, so phases do not measure each other. */
async function untilClosed(api: ApiProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const body = (await fetch(`${api.url}/health/circuits`).then((res) => res.json())) as { circuits: Record<string, string> };
    if (body.circuits.dynamodb === 'CLOSED') return;
    await delay(100);
  }
  throw new Error('the dynamodb breaker did not close between chaos phases');
}
