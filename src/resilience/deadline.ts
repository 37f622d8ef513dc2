/** The caller's deadline signal aborted while an attempt was running (or before it could start). */
export class DeadlineAbortedError extends Error {
  /**
   * @param attemptBudgetMs what was left of the deadline when the aborted attempt started (0 when
   * it could not start): whether the dependency, or the time spent before, is to blame.
   */
  constructor(
    cause?: unknown,
    readonly attemptBudgetMs = 0,
  ) {
    super('The request deadline passed before the dependency answered', { cause });
    this.name = 'DeadlineAbortedError';
  }
}

/**
 * Settles with `work`, or rejects with DeadlineAbortedError the moment `signal` aborts, even if
 * `work` ignores the signal: a hung dependency must never hold the client past its deadline.
 */
export function raceWithDeadline<T>(work: Promise<T>, signal: AbortSignal, attemptBudgetMs = 0): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new DeadlineAbortedError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new DeadlineAbortedError(signal.reason, attemptBudgetMs));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? new DeadlineAbortedError(error, attemptBudgetMs) : error);
      },
    );
  });
}

/** A time budget: the signal aborts at `deadlineAt` (epoch ms). */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly deadlineAt: number;
  /**
   * Work after the answer (cache write-behind, give-backs, purges) on a budget of its own. Running
   * past it is this instance's own backlog, e.g. a burst of fetches queueing their writes at once,
   * not a sign that the dependency is down: it never counts towards the circuit breaker, which
   * would otherwise take the cache away from every request. Failures the dependency answers
   * (5xx, refused connections) still count.
   */
  readonly background?: boolean;
}

/**
 * The one way to build a budget: `ms` from now (background work, a read that must not wait for
 * the request's), or the earlier of that and `within` (a share of a request's deadline).
 */
export function deadlineIn(ms: number, within?: { readonly signal: AbortSignal; readonly deadlineAt?: number }): Deadline {
  const deadlineAt = Date.now() + ms;
  if (!within) return { signal: AbortSignal.timeout(ms), deadlineAt };
  return { signal: AbortSignal.any([within.signal, AbortSignal.timeout(ms)]), deadlineAt: Math.min(within.deadlineAt ?? deadlineAt, deadlineAt) };
}

/** A budget for work after the answer (see `Deadline.background`), cut short by `within` if given. */
export function backgroundDeadlineIn(ms: number, within?: { readonly signal: AbortSignal }): Deadline {
  return { ...deadlineIn(ms, within), background: true };
}
