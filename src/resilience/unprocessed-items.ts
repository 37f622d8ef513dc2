import { setTimeout as delay } from 'node:timers/promises';

/**
 * Batch calls (BatchGetItem, BatchWriteItem) hand back what DynamoDB had no capacity for. The
 * re-send of those items waits 100 ms, 200 ms, 400 ms (as the OHLC candle writes do): sending them
 * again at once would only meet the same throttled partition.
 */
export const UNPROCESSED_ITEMS_RESENDS = 3;
const UNPROCESSED_BASE_DELAY_MS = 100;

/** Waits before re-send number `resend` (0-based); rejects when `signal` aborts. */
export function waitBeforeResend(resend: number, signal: AbortSignal): Promise<void> {
  return delay(UNPROCESSED_BASE_DELAY_MS * 2 ** resend, undefined, { signal });
}
