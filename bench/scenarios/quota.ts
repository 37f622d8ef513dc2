import { AwsClients } from '../../src/infrastructure/aws-clients';
import { signDevToken } from '../../scripts/lib/dev-token';
import { QuotaService } from '../../src/quota/quota.service';
import type { BenchContext, Figure, Scenario } from '../bench.types';
import { ratio } from '../bench.types';
import { addOne, type BenchQuota, type InProcessApp, startAppContext, startHttpApp } from '../in-process';
import { activeTickers, describeTally, getOhlc, type OhlcAnswer, type Span, tally } from '../ohlc-workload';
import { p50, timeAlternated, timeCalls } from '../timing';

const CALLS = 300;
const IN_FLIGHT = 20;
const WARM_UP = 20;
/** Calls of each kind before the samples: connections, both JITs and the items' first writes stay out of them. */
const RESERVE_WARM_UP = 200;
const COLD_PER_APP = 300;
/** Fewer samples where each one waits for the simulated provider. */
const COLD_PER_APP_WITH_LATENCY = 30;
const OVERHEAD_TARGET = 0.05;
/** The fastest real provider answer (issue 6: provider calls take 0.5–2 s). */
const REAL_PROVIDER_MS = 500;

/**
 * (a) QuotaService.reserve() in the bench process (one conditional UpdateItem of the day item, with
 * its attempt marker) beside a bare `ADD used :1` UpdateItem through the same SDK client,
 * alternated call by call. (b) Cold OHLC requests through three in-process apps, identical but for
 * the QuotaService: the real one, a no-op, and one plain UpdateItem per reservation (the floor of
 * any exact quota), taken in turn request by request so that drift in machine load hits all alike.
 * Quota limits are raised for the bench (see bench/run.ts) so nothing is ever denied.
 */
export const quotaScenario: Scenario = {
  name: 'quota',
  description: `reserve() vs bare UpdateItem (${CALLS} calls, 1 and ${IN_FLIGHT} in flight); cold OHLC latency with the quota, without it, and with two plain writes in its place (quota limits raised for the bench)`,
  async run(context) {
    return [...(await reserveFigures(context)), ...(await overheadFigures(context))];
  },
};

const appEnv = (context: BenchContext): Record<string, string> => ({ ...context.local.env, LOG_LEVEL: 'silent' });

async function reserveFigures(context: BenchContext): Promise<Figure[]> {
  const { local } = context;
  const app = await startAppContext(appEnv(context));
  // The app's own client (keep-alive pool, one attempt per call), so only what reserve() adds differs.
  const dynamo = app.get(AwsClients).dynamodb;
  try {
    const quota = app.get(QuotaService);
    const reserve = (): Promise<unknown> => quota.reserve('sendgrid');
    const day = `DAY#${new Date().toISOString().slice(0, 10)}`;
    const update = (): Promise<void> => addOne(dynamo, local.env.QUOTA_TABLE, 'QUOTA#bench-bare', day);
    // The floor of any exact reservation: the same ADD, admitted only below a limit.
    const conditional = (): Promise<void> => addOne(dynamo, local.env.QUOTA_TABLE, 'QUOTA#bench-conditional', day, Number.MAX_SAFE_INTEGER);
    // Connections, JIT and DynamoDB Local's own warm-up stay out of the samples.
    await timeAlternated(RESERVE_WARM_UP, 1, [reserve, update, conditional]);

    const figures: Figure[] = [];
    for (const inFlight of [1, IN_FLIGHT]) {
      const suffix = inFlight === 1 ? '' : `_c${inFlight}`;
      const note = inFlight === 1 ? `${CALLS} calls each, alternated, one at a time` : `${CALLS} calls each, alternated, ${inFlight} in flight`;
      let failed = 0;
      const [reserved, updated, conditioned] = await timeAlternated(CALLS, inFlight, [() => reserve().catch(() => (failed += 1)), update, conditional]);
      const bare: Figure = { scenario: 'quota', name: `bare_update_p50${suffix}`, value: p50(updated), unit: 'ms', note };
      const reserveP50 = p50(reserved);
      const conditionalP50 = p50(conditioned);
      figures.push(
        {
          scenario: 'quota',
          name: `reserve_p50${suffix}`,
          value: reserveP50,
          unit: 'ms',
          ratio: ratio(reserveP50, bare.name, bare),
          note: `${note}; ${(reserveP50 / conditionalP50).toFixed(2)} × the conditional ADD${failed > 0 ? `; ${failed} failed` : ''}`,
        },
        bare,
        {
          scenario: 'quota',
          name: `conditional_update_p50${suffix}`,
          value: conditionalP50,
          unit: 'ms',
          ratio: ratio(conditionalP50, bare.name, bare),
          note: 'the floor of any exact reservation: the same ADD, admitted only below a limit (one condition, nothing returned)',
        },
      );
    }
    return figures;
  } finally {
    await app.close();
  }
}

async function overheadFigures(context: BenchContext): Promise<Figure[]> {
  const { local } = context;
  const apps = await Promise.all(COLD_APPS.map(async (quota) => ({ quota, app: await startHttpApp(appEnv(context), quota) })));
  try {
    const token = await signDevToken({
      secret: local.env.AUTH_JWT_SECRET,
      issuer: local.env.AUTH_ISSUER,
      audience: local.env.AUTH_AUDIENCE,
      sub: 'bench-quota',
      roles: [],
    });
    // Every request is cold for every app and for the shared DynamoDB table: its own ticker and
    // month (the month moves on after each pass over the 204 tickers, so no pair repeats within a
    // phase of up to 2 448 requests), in dates no other scenario touches and
    // inside the simulator's schedule (2021–2028, none after today): January–November 2026 for the
    // warm-up, the 1st–14th of each 2021 month for the instant samples, the 15th–end for the slow ones.
    const tickers = activeTickers();
    const coldSpan = (i: number, year: number, days: 'first' | 'second' | 'all', months = 12): { ticker: string; span: Span } => {
      const month = (Math.floor(i / tickers.length) % months) + 1;
      const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
      const mm = String(month).padStart(2, '0');
      const [from, to] = days === 'first' ? [1, 14] : days === 'second' ? [15, last] : [1, last];
      const dd = (day: number): string => String(day).padStart(2, '0');
      return { ticker: tickers[i % tickers.length], span: { start: `${year}-${mm}-${dd(from)}`, end: `${year}-${mm}-${dd(to)}` } };
    };
    const warmUp = (i: number): Promise<OhlcAnswer> => {
      const { ticker, span } = coldSpan(i, 2026, 'all', 11);
      return getOhlc(apps[i % apps.length].app.url, token, ticker, span);
    };
    await timeCalls(WARM_UP, 1, warmUp);

    const instant = await measureCold(apps, token, (i) => coldSpan(i, 2021, 'first'), COLD_PER_APP);
    local.simulator.setLatency('tiingo', REAL_PROVIDER_MS);
    const slow = await measureCold(apps, token, (i) => coldSpan(i, 2021, 'second'), COLD_PER_APP_WITH_LATENCY).finally(() =>
      local.simulator.setLatency('tiingo', 0),
    );
    return [...overhead(instant, '', 'simulator answers at once'), ...overhead(slow, `_provider_${REAL_PROVIDER_MS}ms`, `simulator answers after ${REAL_PROVIDER_MS} ms, the fastest real provider answer`)];
  } finally {
    await Promise.all(apps.map(({ app }) => app.close()));
  }
}

/** The apps cold requests go round: the real quota, none, and its floor. */
const COLD_APPS: readonly BenchQuota[] = ['real', 'none', 'plain-writes'];

interface ColdSamples {
  /** Latencies (ms) by the quota of the app that answered. */
  readonly byQuota: Record<BenchQuota, number[]>;
  readonly answers: OhlcAnswer[];
}

/**
 * Cold requests going round the apps of COLD_APPS, one at a time, each once the writes the
 * previous answers left behind have finished: DynamoDB Local applies writes one at a time, so
 * another request's write-behind would otherwise stand in this one's way.
 */
async function measureCold(
  apps: ReadonlyArray<{ readonly quota: BenchQuota; readonly app: InProcessApp }>,
  token: string,
  coldSpan: (i: number) => { ticker: string; span: Span },
  perApp: number,
): Promise<ColdSamples> {
  const samples: ColdSamples = { byQuota: { real: [], none: [], 'plain-writes': [] }, answers: [] };
  for (let i = 0; i < apps.length * perApp; i++) {
    const { ticker, span } = coldSpan(i);
    const { quota, app } = apps[i % apps.length];
    await Promise.all(apps.map((each) => each.app.settled()));
    const started = performance.now();
    samples.answers.push(await getOhlc(app.url, token, ticker, span));
    samples.byQuota[quota].push(performance.now() - started);
  }
  return samples;
}

function overhead(samples: ColdSamples, suffix: string, condition: string): Figure[] {
  const counts = tally(samples.answers);
  const cold = counts['200/tiingo'] ?? 0;
  const onP50 = p50(samples.byQuota.real);
  const offFigure: Figure = { scenario: 'quota', name: `cold_ohlc_p50_quota_off${suffix}`, value: p50(samples.byQuota.none), unit: 'ms', note: 'no-op QuotaService' };
  const plainP50 = p50(samples.byQuota['plain-writes']);
  const plainFigure: Figure = {
    scenario: 'quota',
    name: `cold_ohlc_p50_plain_writes${suffix}`,
    value: plainP50,
    unit: 'ms',
    ratio: ratio(plainP50, offFigure.name, offFigure),
    note: 'the floor of an exact quota: a QuotaService whose reservations are one plain UpdateItem each (user and provider: two per cold request)',
  };
  const percent = (onP50 / offFigure.value - 1) * 100;
  const verdict = percent <= OVERHEAD_TARGET * 100 ? 'met' : 'NOT met';
  return [
    {
      scenario: 'quota',
      name: `cold_ohlc_p50_quota_on${suffix}`,
      value: onP50,
      unit: 'ms',
      ratio: ratio(onP50, offFigure.name, offFigure),
      note: `${samples.byQuota.real.length} per app, alternated; ${(onP50 / plainFigure.value).toFixed(2)} × the plain-writes floor; ${describeTally(counts)}`,
    },
    offFigure,
    plainFigure,
    {
      scenario: 'quota',
      name: `cold_ohlc_quota_overhead${suffix}`,
      value: percent,
      unit: '%',
      note: `p50 on / p50 off − 1 (+${(onP50 - offFigure.value).toFixed(1)} ms); target ≤ ${OVERHEAD_TARGET * 100} %: ${verdict}; ${condition}${cold === samples.answers.length ? '' : `; only ${cold} of ${samples.answers.length} were provider fetches`}`,
    },
  ];
}
