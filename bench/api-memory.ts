import type { BenchContext, Figure } from './bench.types';
import { rssMb } from './ohlc-workload';

const MB = 1024 * 1024;

function gauge(exposition: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(exposition);
  return match ? Number(match[1]) / MB : Number.NaN;
}

/**
 * The bench API process's memory after a load phase: VmRSS from /proc and, from its own
 * /metrics, heap used (garbage not yet collected included, as a task's memory limit sees it)
 * and the memory candle cache's accounted bytes. Names are `rss_<phase>` and `heap_used_<phase>`;
 * the targets (bench/targets.ts) take the largest `rss_after_*` and `heap_used_after_*`.
 */
export async function apiMemoryFigures(context: BenchContext, scenario: string, phase: string, when = 'API process VmRSS'): Promise<Figure[]> {
  const { local } = context;
  const rss = await rssMb(local.api.pid ?? Number.NaN);
  const exposition = await fetch(`${local.apiUrl}/metrics`).then((res) => res.text(), () => '');
  const heapUsed = gauge(exposition, 'nodejs_heap_size_used_bytes');
  const heapTotal = gauge(exposition, 'nodejs_heap_size_total_bytes');
  const external = gauge(exposition, 'nodejs_external_memory_bytes');
  const cache = gauge(exposition, 'ohlc_memory_cache_bytes');
  return [
    { scenario, name: `rss_${phase}`, value: rss, unit: 'MB', note: when },
    {
      scenario,
      name: `heap_used_${phase}`,
      value: heapUsed,
      unit: 'MB',
      note: `of ${heapTotal.toFixed(0)} MB heap; external ${external.toFixed(0)} MB; memory cache ${Number.isNaN(cache) ? 0 : cache.toFixed(0)} MB accounted`,
    },
  ];
}
