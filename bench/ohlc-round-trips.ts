import { OhlcService } from '../src/ohlc/ohlc.service';
import { AwsClients } from '../src/infrastructure/aws-clients';
import type { BenchContext, Figure } from './bench.types';
import { startAppContext } from './in-process';
import type { Span } from './ohlc-workload';

/**
 * DynamoDB calls per DynamoDB-layer hit, counted by SDK middleware in an app built in the bench
 * process (the API child process cannot be instrumented): the same ranges the timed phase read,
 * each a memory miss in the fresh app. One Query is the floor; every other call is an extra round
 * trip, e.g. the ticker's control item, read again every CONTROL_MAX_AGE_MS per ticker.
 */
export async function dynamodbCallsPerHit(context: BenchContext, ticker: string, spans: readonly Span[]): Promise<Figure[]> {
  const app = await startAppContext({ ...context.local.env, LOG_LEVEL: 'silent' });
  try {
    const calls = new Map<string, number>();
    app.get(AwsClients).dynamodb.middlewareStack.add(
      (next, middlewareContext) => (args) => {
        const name = String(middlewareContext.commandName ?? 'unknown').replace(/Command$/, '');
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchCountCalls' },
    );
    const ohlc = app.get(OhlcService);
    const layers = new Map<string, number>();
    const started = performance.now();
    for (const span of spans) {
      const result = await ohlc.candles({ ticker, resolution: 'D', span, userId: 'bench-round-trips' });
      layers.set(result.layer, (layers.get(result.layer) ?? 0) + 1);
    }
    const seconds = (performance.now() - started) / 1000;
    const hits = layers.get('dynamodb') ?? 0;
    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    const perHit = (name: string): number => (hits === 0 ? Number.NaN : (calls.get(name) ?? 0) / hits);
    const breakdown = [...calls].map(([name, n]) => `${name} ${n}`).join(', ');
    const answered = [...layers].map(([layer, n]) => `${n}× ${layer}`).join(', ');
    return [
      {
        scenario: 'ohlc',
        name: 'dynamodb_calls_per_hit',
        value: hits === 0 ? Number.NaN : total / hits,
        unit: 'calls',
        note: `target 1 (one Query); ${breakdown} for ${spans.length} ranges (${answered}) in ${seconds.toFixed(1)} s, counted by SDK middleware in the bench process`,
      },
      {
        scenario: 'ohlc',
        name: 'dynamodb_control_reads_per_hit',
        value: perHit('GetItem'),
        unit: 'calls',
        note: 'GetItem of the ticker control item (epoch), re-read at most every 4 s per ticker and instance',
      },
    ];
  } finally {
    await app.close();
  }
}
