import type { CreateOutcome } from '../test/support/create-load';
import type { Figure } from './bench.types';

/** Statuses a dependency failure may end in (API.md); each must carry Retry-After. */
const DEPENDENCY_STATUSES = new Set([429, 503, 504]);

/**
 * When, after `outageEnd`, creates started answering 201 for good: the start of the first create
 * after the last failed one, in ms after the outage ended (0 when none failed after it ended).
 */
export function recoveryMs(creates: readonly CreateOutcome[], outageEnd: number): number {
  const failed = creates.filter((c) => c.status !== 201);
  if (failed.length === 0) return 0;
  const lastFailureStart = Math.max(...failed.map((c) => c.startedAt));
  const next = creates.filter((c) => c.startedAt > lastFailureStart).map((c) => c.startedAt);
  if (next.length === 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(...next) - outageEnd);
}

/** The figures of one chaos phase: `creates` are those of the phase, `outageEnd` when the fault stopped. */
export function phaseFigures(phase: string, note: string, creates: readonly CreateOutcome[], outageEnd: number): Figure[] {
  const ok = creates.filter((c) => c.status === 201).length;
  const failed = creates.filter((c) => c.status !== 201);
  const without = failed.filter((c) => !DEPENDENCY_STATUSES.has(c.status) || !(Number(c.retryAfter) >= 1)).length;
  return [
    { scenario: 'chaos', name: `${phase}_creates`, value: creates.length, unit: 'requests', note },
    { scenario: 'chaos', name: `${phase}_success_rate`, value: creates.length === 0 ? 0 : (100 * ok) / creates.length, unit: '% 201' },
    { scenario: 'chaos', name: `${phase}_500s`, value: creates.filter((c) => c.status === 500).length, unit: 'responses' },
    { scenario: 'chaos', name: `${phase}_failures_without_retry_after`, value: without, unit: 'responses', note: 'not 429/503/504 with Retry-After' },
    { scenario: 'chaos', name: `${phase}_recovery`, value: recoveryMs(creates, outageEnd), unit: 'ms', note: 'outage end → sustained 201s' },
  ];
}

/** The longest time a create took to be answered 503 while DynamoDB was down (bounded by the deadline). */
export function slowest503Ms(creates: readonly CreateOutcome[]): number {
  const latencies = creates.filter((c) => c.status === 503).map((c) => c.endedAt - c.startedAt);
  return latencies.length === 0 ? 0 : Math.max(...latencies);
}
