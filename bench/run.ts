import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startLocalEnvironment } from '../scripts/local-stack/local-environment';
import { BenchContext, Figure, figureKey, Scenario } from './bench.types';
import { chaosScenario } from './scenarios/chaos';
import { configurationsScenario } from './scenarios/configurations';
import { healthScenario } from './scenarios/health';
import { ohlcScenario } from './scenarios/ohlc';
import { quotaScenario } from './scenarios/quota';
import { tracingScenario } from './scenarios/tracing';

const SCENARIOS: Scenario[] = [healthScenario, configurationsScenario, quotaScenario, ohlcScenario, tracingScenario, chaosScenario];

/** Provider quotas high enough that no bench request is ever refused for quota (see the quota and ohlc scenarios). */
const BENCH_QUOTA_LIMITS = {
  QUOTA_TIINGO_HOUR_LIMIT: '10000000',
  QUOTA_TIINGO_DAY_LIMIT: '10000000',
  QUOTA_FINNHUB_MINUTE_LIMIT: '10000000',
  QUOTA_SENDGRID_DAY_LIMIT: '10000000',
  // One bench user makes thousands of cold requests; the per-user fair share is not under test.
  OHLC_USER_UPSTREAM_PER_HOUR: '1000000',
};

function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.scenario,
    f.name,
    `${f.value.toFixed(f.value >= 100 ? 0 : 2)} ${f.unit}`,
    f.ratio ? `${f.ratio.value.toFixed(3)} × ${f.ratio.to}` : '',
    f.note ?? '',
  ]);
  const header = ['scenario', 'figure', 'value', 'ratio', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/**
 * `npm run bench [scenario ...]`: starts the local stack and the built API, runs the named
 * scenarios (all by default) in order, prints a table and writes bench/results/<time>.json.
 */
async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const scenarios = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => s.name === 'health' || wanted.includes(s.name));
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const local = await startLocalEnvironment({ apiOutput: 'ignore', apiEnv: { LOG_LEVEL: 'info', ...BENCH_QUOTA_LIMITS } });
  const results = new Map<string, Figure>();
  const context: BenchContext = { local, results, seconds };
  try {
    for (const scenario of scenarios) {
      console.error(`bench: ${scenario.name} — ${scenario.description}`);
      for (const figure of await scenario.run(context)) results.set(figureKey(figure), figure);
    }
  } finally {
    await local.stop();
  }

  const figures = [...results.values()];
  console.log(formatTable(figures));
  const dir = resolve(__dirname, '../../bench/results');
  await mkdir(dir, { recursive: true });
  const file = resolve(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { node: process.version, cpus: (await import('node:os')).cpus().length };
  await writeFile(file, JSON.stringify({ started_at: new Date().toISOString(), seconds, machine, figures }, null, 2));
  console.log(`\nwritten: ${file}`);
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
