import type { Figure } from './bench.types';

/** One target of issue 12, checked against the figures of the same run. */
export interface TargetResult {
  readonly target: string;
  readonly description: string;
  /** The measured ratio; null when a figure it needs was not produced (scenario not run). */
  readonly measured: number | null;
  readonly comparison: '≥' | '≤';
  readonly threshold: number;
  readonly status: 'met' | 'not met' | 'not run';
  /** The figures behind the ratio, e.g. `2 801 ÷ 9 950 req/s`. */
  readonly detail: string;
}

type Figures = ReadonlyMap<string, Figure>;

interface Measurement {
  readonly ratio: number;
  readonly detail: string;
}

interface Target {
  readonly target: string;
  readonly description: string;
  readonly comparison: '≥' | '≤';
  readonly threshold: number;
  /** Undefined when a figure it needs is missing. */
  measure(figures: Figures): Measurement | undefined;
}

const API_RSS_BOUND_MB = 300;
/** Heap allowed beyond the memory candle cache's own bound. */
const HEAP_HEADROOM_MB = 64;

const fmt = (value: number): string => value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);

function quotient(figures: Figures, numerator: string, denominator: string): Measurement | undefined {
  const a = figures.get(numerator);
  const b = figures.get(denominator);
  if (!a || !b || !Number.isFinite(a.value) || !Number.isFinite(b.value) || b.value === 0) return undefined;
  return { ratio: a.value / b.value, detail: `${numerator} ${fmt(a.value)} ÷ ${denominator} ${fmt(b.value)} ${b.unit}` };
}

/** The largest `<prefix>*` figure of the run (every sample after a load phase), once the ohlc scenario's 10 000-key burst ran. */
function largestAfterLoad(figures: Figures, prefix: string): Figure | undefined {
  if (!figures.has('ohlc.rss_after_10k_keys')) return undefined;
  const samples = [...figures.values()].filter((f) => f.name.startsWith(prefix) && f.unit === 'MB' && Number.isFinite(f.value));
  return samples.reduce<Figure | undefined>((max, f) => (max === undefined || f.value > max.value ? f : max), undefined);
}

/**
 * Issue 12's targets. The heap bound needs the API's cache cap, which the bench reads from the
 * API's own configuration (OHLC_MEMORY_CACHE_MB or its default).
 */
export function issue12Targets(memoryCacheCapMb: number): Target[] {
  const heapBound = memoryCacheCapMb + HEAP_HEADROOM_MB;
  return [
    {
      target: 'memory_hit_vs_health',
      description: 'OHLC in-memory hit req/s ÷ /health/live req/s (50 connections, alternated, medians)',
      comparison: '≥',
      threshold: 0.8,
      measure: (f) => quotient(f, 'ohlc.memory_rps', 'ohlc.health_rps_alternated'),
    },
    {
      target: 'dynamodb_hit_vs_query',
      description: 'DynamoDB-layer hit p50 ÷ raw Query p50 of the same items',
      comparison: '≤',
      threshold: 1.5,
      measure: (f) => quotient(f, 'ohlc.dynamodb_hit_p50', 'ohlc.raw_query_p50'),
    },
    {
      target: 'reserve_vs_update',
      description: 'reserve() p50 ÷ bare UpdateItem p50 (one at a time)',
      comparison: '≤',
      threshold: 1.2,
      measure: (f) => quotient(f, 'quota.reserve_p50', 'quota.bare_update_p50'),
    },
    {
      target: 'quota_overhead_cold_ohlc',
      description: 'cold OHLC p50 with quota ÷ without, instant simulator (overhead ≤ 5 %)',
      comparison: '≤',
      threshold: 1.05,
      measure: (f) => quotient(f, 'quota.cold_ohlc_p50_quota_on', 'quota.cold_ohlc_p50_quota_off'),
    },
    {
      target: 'api_rss_after_load',
      description: `largest API RSS after a load phase ÷ ${API_RSS_BOUND_MB} MB`,
      comparison: '≤',
      threshold: 1,
      measure: (f) => {
        const largest = largestAfterLoad(f, 'rss_after_');
        return largest && { ratio: largest.value / API_RSS_BOUND_MB, detail: `${largest.scenario}.${largest.name} ${fmt(largest.value)} ÷ ${API_RSS_BOUND_MB} MB` };
      },
    },
    {
      target: 'heap_used_after_load',
      description: `largest API heap used after a load phase ÷ (memory cache cap ${memoryCacheCapMb} MB + ${HEAP_HEADROOM_MB} MB)`,
      comparison: '≤',
      threshold: 1,
      measure: (f) => {
        const largest = largestAfterLoad(f, 'heap_used_after_');
        return largest && { ratio: largest.value / heapBound, detail: `${largest.scenario}.${largest.name} ${fmt(largest.value)} ÷ ${heapBound} MB` };
      },
    },
  ];
}

export function evaluateTargets(targets: readonly Target[], figures: Figures): TargetResult[] {
  return targets.map(({ target, description, comparison, threshold, measure }) => {
    const measured = measure(figures);
    if (!measured) return { target, description, measured: null, comparison, threshold, status: 'not run', detail: 'a figure it needs was not measured in this run' };
    const met = comparison === '≥' ? measured.ratio >= threshold : measured.ratio <= threshold;
    return { target, description, measured: measured.ratio, comparison, threshold, status: met ? 'met' : 'not met', detail: measured.detail };
  });
}
