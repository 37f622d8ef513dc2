import { resolve } from 'node:path';

/** A simulated clock shared by this test process and service processes (see fake-clock-preload.cjs). */
export interface SharedFakeClock {
  readonly now: () => Date;
  /** Environment and node arguments that put a service process on the same clock. */
  readonly env: Record<string, string>;
  readonly nodeArgs: readonly string[];
  /** Real milliseconds for `simulatedMs` of the clock. */
  realMs(simulatedMs: number): number;
}

export function sharedFakeClock(startIso: string, speed: number): SharedFakeClock {
  const start = Date.parse(startIso);
  const anchor = Date.now();
  return {
    now: () => new Date(Math.floor(start + (Date.now() - anchor) * speed)),
    env: { FAKE_CLOCK_START_MS: String(start), FAKE_CLOCK_ANCHOR_MS: String(anchor), FAKE_CLOCK_SPEED: String(speed) },
    nodeArgs: ['--require', resolve(__dirname, 'fake-clock-preload.cjs')],
    realMs: (simulatedMs) => simulatedMs / speed,
  };
}
