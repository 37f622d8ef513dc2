import { setTimeout as pause } from 'node:timers/promises';

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Re-checks `probe` until it returns something truthy (polling, not a fixed wait) and resolves
 * with that value; fails with `what` after `timeoutMs`, which is a bound for a stuck system on a
 * loaded 2-core machine, not a performance target. The timeout may be given as a number
 * (`eventually(what, probe, 30_000, 100)`) or as options.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutOrOptions: number | EventuallyOptions = {},
  interval?: number,
): Promise<NonNullable<T>> {
  const options = typeof timeoutOrOptions === 'number' ? { timeoutMs: timeoutOrOptions, intervalMs: interval } : timeoutOrOptions;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const giveUpAt = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result) return result as NonNullable<T>;
      last = result;
    } catch (error: unknown) {
      last = error;
    }
    if (Date.now() > giveUpAt) throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${String(last)})`);
    await pause(intervalMs);
  }
}
