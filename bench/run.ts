import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startLocalEnvironment } from '../scripts/local-stack/local-environment';
import { loadSettings } from '../src/config/settings';
import { apiMemoryFigures } from './api-memory';
import { BenchContext, Figure, figureKey, Scenario } from './bench.types';
import { chaosScenario } from './scenarios/chaos';
import { configurationsScenario } from './scenarios/configurations';
import { healthScenario } from './scenarios/health';
import { liveScenario } from './scenarios/live';
import { ohlcScenario } from './scenarios/ohlc';
import { quotaScenario } from './scenarios/quota';
import { tracingScenario } from './scenarios/tracing';
import { evaluateTargets, issue12Targets, type TargetResult } from './targets';

const SCENARIOS: Scenario[] = [
  healthScenario,
  configurationsScenario,
  quotaScenario,
  ohlcScenario,
  liveScenario,
  tracingScenario,
  chaosScenario,
];

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
  return textTable(['scenario', 'figure', 'value', 'ratio', 'note'], rows);
}

function formatTargets(targets: readonly TargetResult[]): string {
  const rows = targets.map((t) => [
    t.target,
    t.measured === null ? '—' : t.measured.toFixed(3),
    `${t.comparison} ${t.threshold}`,
    t.status,
    `${t.description}; ${t.detail}`,
  ]);
  return textTable(['target', 'measured', 'bound', 'status', 'ratio of'], rows);
}

function textTable(header: string[], rows: string[][]): string {
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
      // The bench API's footprint after each scenario's load (the API RSS and heap targets).
      for (const figure of await apiMemoryFigures(context, 'memory', `after_${scenario.name}`)) results.set(figureKey(figure), figure);
    }
  } finally {
    await local.stop();
  }

  const figures = [...results.values()];
  const cacheCapMb = loadSettings(local.env).ohlcMemoryCacheBytes / (1024 * 1024);
  const targets = evaluateTargets(issue12Targets(cacheCapMb), results);
  console.log(formatTable(figures));
  console.log(`\ntargets (issue 12), from this run:\n${formatTargets(targets)}`);
  const dir = resolve(__dirname, '../../bench/results');
  await mkdir(dir, { recursive: true });
  const file = resolve(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { node: process.version, cpus: (await import('node:os')).cpus().length };
  await writeFile(file, JSON.stringify({ started_at: new Date().toISOString(), seconds, machine, figures, targets }, null, 2));
  console.log(`\nwritten: ${file}`);
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
