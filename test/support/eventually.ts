import { setTimeout as pause } from 'node:timers/promises';

/**
 * Re-checks `condition` until it holds (polling, not a fixed wait); fails with `what` after
 * `timeoutMs`, which is a bound for a stuck system, not a performance target.
 */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await pause(intervalMs);
  }
}
