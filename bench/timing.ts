import { percentile } from './load';

/** Runs `call` `count` times with at most `concurrency` in flight; returns each call's latency (ms). */
export async function timeCalls(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const started = performance.now();
      await call(i);
      samples.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return samples;
}

export const p50 = (samples: readonly number[]): number => percentile(samples, 50);
export const p99 = (samples: readonly number[]): number => percentile(samples, 99);

/**
 * Runs `calls` in turn, `count` calls of each, at most `concurrency` in flight, so that drift in
 * machine load hits all alike; returns each one's latencies (ms), in the order of `calls`.
 */
export async function timeAlternated(count: number, concurrency: number, calls: ReadonlyArray<() => Promise<unknown>>): Promise<number[][]> {
  const samples: number[][] = calls.map(() => []);
  await timeCalls(calls.length * count, concurrency, async (i) => {
    const which = i % calls.length;
    const started = performance.now();
    await calls[which]();
    samples[which].push(performance.now() - started);
  });
  return samples;
}
