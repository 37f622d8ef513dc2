import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  readonly requestId: string;
  /** Aborts when the request's time budget is spent; every outbound call listens to it. */
  readonly deadline: AbortSignal;
  readonly deadlineAt: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const RequestContexts = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },

  current(): RequestContext | undefined {
    return storage.getStore();
  },

  /**
   * The deadline of the current request, or a fresh budget for work outside a request (start-up,
   * background refreshes), so no outbound call is ever unbounded.
   */
  deadline(fallbackMs: number): { signal: AbortSignal; deadlineAt: number } {
    const context = storage.getStore();
    if (context) return { signal: context.deadline, deadlineAt: context.deadlineAt };
    return { signal: AbortSignal.timeout(fallbackMs), deadlineAt: Date.now() + fallbackMs };
  },
};
