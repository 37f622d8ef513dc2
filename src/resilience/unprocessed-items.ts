/**
 * Batch calls (BatchGetItem, BatchWriteItem) hand back what DynamoDB had no capacity for. The
 * re-send of those items waits 100 ms, 200 ms, 400 ms (as the OHLC candle writes do): sending them
 * again at once would only meet the same throttled partition.
 */
export const UNPROCESSED_ITEMS_RESENDS = 3;
const UNPROCESSED_BASE_DELAY_MS = 100;

/** Waits before re-send number `resend` (0-based); rejects with the signal's reason when it aborts. */
export function waitBeforeResend(resend: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    // The global timer (not timers/promises), so fake clocks in unit tests drive it too.
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, UNPROCESSED_BASE_DELAY_MS * 2 ** resend);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
