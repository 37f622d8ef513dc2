import fc from 'fast-check';
import type { IBackoff, IRetryBackoffContext } from 'cockatiel';
import { DeadlineBoundedBackoff, RETRY_BACKOFF, RETRY_POLICY, RetryDeadlineReachedError } from './retry.policy';

type Context = IRetryBackoffContext<unknown>;

const contextFor = (attempt: number, error: unknown = new Error('throttled')): Context => ({
  attempt,
  result: { error },
  signal: new AbortController().signal,
});

/** The delays before retry 1..n, as the retry loop asks for them. */
function delays(factory: { next(context: Context): IBackoff<Context> }, count: number): number[] {
  let backoff = factory.next(contextFor(1));
  const result = [backoff.duration];
  for (let attempt = 2; attempt <= count; attempt++) {
    backoff = backoff.next(contextFor(attempt));
    result.push(backoff.duration);
  }
  return result;
}

describe(DeadlineBoundedBackoff.name, () => {
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('waits between half and all of min(4 s, 0.5 s × 2^(n-1)) before retry n, whatever the jitter', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (random) => {
        jest.spyOn(Math, 'random').mockReturnValue(random);
        const observed = delays(new DeadlineBoundedBackoff(RETRY_BACKOFF, Number.MAX_SAFE_INTEGER), 6);
        observed.forEach((delay, index) => {
          const ceiling = Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.initialDelayMs * 2 ** index);
          expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
          expect(delay).toBeLessThanOrEqual(ceiling);
        });
      }),
    );
  });

  it('refuses a wait that would end after the deadline and hands back the last failure', () => {
    jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') });
    jest.spyOn(Math, 'random').mockReturnValue(0.99);
    const lastFailure = new Error('ThrottlingException');
    const backoff = new DeadlineBoundedBackoff(RETRY_BACKOFF, Date.now() + 400);

    let thrown: unknown;
    try {
      backoff.next(contextFor(1, lastFailure));
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(RetryDeadlineReachedError);
    expect((thrown as Error).cause).toBe(lastFailure);
  });

  it('allows a wait that ends before the deadline', () => {
    jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') });
    jest.spyOn(Math, 'random').mockReturnValue(0.99);

    expect(new DeadlineBoundedBackoff(RETRY_BACKOFF, Date.now() + 600).next(contextFor(1)).duration).toBeLessThan(600);
  });
});
