import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findFreePort } from '../../scripts/local-stack/free-port';
import type { BenchContext, Figure, Scenario } from '../bench.types';
import { ratio } from '../bench.types';
import { load } from '../load';
import { getOhlc, ohlcUrl, type Span } from '../ohlc-workload';

const TICKER = 'NVDA';
const SPAN: Span = { start: '2021-03-01', end: '2021-03-31' };
/** The repository root (this file runs as dist/bench/scenarios/tracing.js). */
const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

/**
 * What tracing costs. Off (no OTEL_EXPORTER_OTLP_ENDPOINT): no SDK module is ever loaded, and a
 * memory hit runs no tracing code at all (the provider span and the span events sit on paths a
 * memory hit never takes); this prints how many SDK files the whole app loads either way. On: the
 * same memory-hit load against a second API process exporting to a local OTLP sink, beside the
 * tracing-off API, alternated twice, so the difference is the cost of tracing when wanted.
 */
export const tracingScenario: Scenario = {
  name: 'tracing',
  description: 'OpenTelemetry SDK modules loaded with tracing off vs on; OHLC memory-hit req/s with tracing off vs on (50 connections)',
  async run(context) {
    const figures: Figure[] = [
      { scenario: 'tracing', name: 'sdk_files_loaded_off', value: await sdkFilesLoaded(undefined), unit: 'files', note: 'app module graph without OTEL_EXPORTER_OTLP_ENDPOINT' },
      { scenario: 'tracing', name: 'sdk_files_loaded_on', value: await sdkFilesLoaded('http://127.0.0.1:9'), unit: 'files', note: 'same graph with the variable set' },
    ];
    return [...figures, ...(await memoryHitFigures(context))];
  },
};

/** Files under @opentelemetry/ other than the no-op API that loading the app pulls in. */
async function sdkFilesLoaded(endpoint: string | undefined): Promise<number> {
  const script = `
    require('./dist/src/observability/tracing/start-tracing.js');
    require('./dist/src/app.module.js');
    const files = Object.keys(require.cache).filter((f) => f.includes('/@opentelemetry/') && !f.includes('/@opentelemetry/api/'));
    process.stdout.write(String(files.length));`;
  const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint ?? '' };
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: ROOT, env });
  return Number(stdout);
}

async function memoryHitFigures(context: BenchContext): Promise<Figure[]> {
  const { local, seconds } = context;
  const sink = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{}')));
  await new Promise<void>((done) => sink.listen(0, '127.0.0.1', done));
  const port = await findFreePort();
  const traced = spawn(process.execPath, [resolve(ROOT, 'dist/src/main.js')], {
    env: { ...process.env, ...local.env, PORT: String(port), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` },
    stdio: 'ignore',
  });
  const tracedUrl = `http://localhost:${port}`;
  try {
    await waitUntilLive(tracedUrl);
    const off: number[] = [];
    const on: number[] = [];
    for (const [url, samples] of [[local.apiUrl, off], [tracedUrl, on], [local.apiUrl, off], [tracedUrl, on]] as const) {
      await getOhlc(url, local.token, TICKER, SPAN);
      const result = await load({ url: ohlcUrl(url, TICKER, SPAN), seconds, connections: 50, headers: { authorization: `Bearer ${local.token}` } });
      samples.push(result.requestsPerSecond);
    }
    const offRps = mean(off);
    const onRps = mean(on);
    const note = `${TICKER} D ${SPAN.start}..${SPAN.end}, 50 connections, two alternated runs each`;
    return [
      { scenario: 'tracing', name: 'memory_rps_off', value: offRps, unit: 'req/s', ratio: ratio(offRps, 'ohlc.memory_rps', context.results.get('ohlc.memory_rps')), note },
      { scenario: 'tracing', name: 'memory_rps_on', value: onRps, unit: 'req/s', ratio: ratio(onRps, 'tracing.memory_rps_off', { scenario: 'tracing', name: 'memory_rps_off', value: offRps, unit: 'req/s' }), note: `exporting to a local OTLP sink; runs ${on.map(Math.round).join(', ')} vs ${off.map(Math.round).join(', ')}` },
    ];
  } finally {
    traced.kill('SIGTERM');
    await once(traced, 'exit');
    sink.close();
  }
}

async function waitUntilLive(url: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const ok = await fetch(`${url}/health/ready`).then((res) => res.ok, () => false);
    if (ok) return;
    await delay(200);
  }
  throw new Error(`the traced API at ${url} did not become ready`);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
