import { setTimeout as pause } from 'node:timers/promises';

/**
 * Resolves with the first truthy result of `probe`, asked every `intervalMs`; rejects with
 * `description` after `timeoutMs`. Waiting for a condition, never for a fixed time: the timeout
 * only bounds a broken run and is generous for a loaded 2-core machine.
 */
export async function eventually<T>(
  description: string,
  probe: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
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
    if (Date.now() >= giveUpAt) throw new Error(`Not true within ${timeoutMs} ms: ${description} (last: ${String(last)})`);
    await pause(intervalMs);
  }
}
