import { setTimeout as pause } from 'node:timers/promises';

/** After a failed request a client paces itself, as a real one would, instead of spinning. */
const PAUSE_AFTER_FAILURE_MS = 100;
/** Created but not yet deleted configurations a client lets pile up before it only deletes. */
const MAX_PENDING = 3;

/** One create of the steady load: when it started and ended (ms since epoch) and how it was answered. */
export interface CreateOutcome {
  readonly startedAt: number;
  readonly endedAt: number;
  /** HTTP status; 0 when the connection failed. */
  readonly status: number;
  readonly retryAfter?: number;
  readonly code?: string;
}

export interface CreateLoad {
  readonly creates: readonly CreateOutcome[];
  /** Statuses of the deletes that keep each user below the maximum. */
  readonly deletes: readonly number[];
  /** Stops the clients after their current request and resolves once all have stopped. */
  stop(): Promise<void>;
}

const CONFIGURATIONS = '/api/v2/configurations';

/**
 * Steady create/delete traffic: one client per authorization (one user each) creates a
 * configuration and deletes it again, in a loop, one request at a time, as users editing their
 * watchlists would. A failed delete is tried again on the next turn, before the next create, so
 * that no user runs into the maximum and a stuck delete never stops the creates.
 */
export function startCreateLoad(baseUrl: string, authorizations: readonly string[]): CreateLoad {
  const creates: CreateOutcome[] = [];
  const deletes: number[] = [];
  let running = true;

  const send = async (method: 'POST' | 'DELETE', path: string, authorization: string, body?: unknown): Promise<Response | undefined> => {
    try {
      return await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      return undefined;
    }
  };

  /** One delete attempt per pending id; what failed stays pending for the next turn. */
  const deletePending = async (authorization: string, pending: string[]): Promise<void> => {
    for (const id of pending.splice(0)) {
      const deleted = await send('DELETE', `${CONFIGURATIONS}/${id}`, authorization);
      await deleted?.arrayBuffer();
      deletes.push(deleted?.status ?? 0);
      if (deleted?.status !== 204 && deleted?.status !== 404) pending.push(id);
    }
  };

  const client = async (authorization: string, index: number): Promise<void> => {
    const pending: string[] = [];
    for (let turn = 0; running; turn++) {
      await deletePending(authorization, pending);
      // Below the maximum of 5 with room to spare, so no create is refused for the limit.
      if (pending.length >= MAX_PENDING) {
        await pause(PAUSE_AFTER_FAILURE_MS);
        continue;
      }
      const startedAt = Date.now();
      const res = await send('POST', CONFIGURATIONS, authorization, { name: `Chaos ${index}-${turn}`, tickers: ['AAPL', 'MSFT'] });
      const text = res ? await res.text() : '';
      const body = parse(text);
      const retryAfter = res?.headers.get('retry-after');
      creates.push({
        startedAt,
        endedAt: Date.now(),
        status: res?.status ?? 0,
        retryAfter: retryAfter === null || retryAfter === undefined ? undefined : Number(retryAfter),
        code: typeof body?.code === 'string' ? body.code : undefined,
      });
      if (res?.status === 201 && typeof body?.config_id === 'string') pending.push(body.config_id);
      else await pause(PAUSE_AFTER_FAILURE_MS);
    }
  };

  const clients = authorizations.map((authorization, index) => client(authorization, index));
  return {
    creates,
    deletes,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Statuses counted, e.g. `{ 201: 480, 503: 2 }`. */
export function countStatuses(statuses: readonly number[]): Record<number, number> {
  return statuses.reduce<Record<number, number>>((acc, status) => ({ ...acc, [status]: (acc[status] ?? 0) + 1 }), {});
}
