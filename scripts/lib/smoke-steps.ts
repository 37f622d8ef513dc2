/**
 * The post-deploy smoke checks, in the order a deploy should trust them: the process answers,
 * its dependencies answer, no breaker is open, public and authenticated reads work, the cache
 * serves a repeat, and a write round-trips and is cleaned up. Plain `fetch` only: this runs from
 * the production image, which has no dev dependencies.
 */

export interface SmokeOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly ticker: string;
  /** Per HTTP call; a deploy step must not hang on a dead endpoint. */
  readonly timeoutMs: number;
}

export interface SmokeStep {
  readonly name: string;
  run(ctx: SmokeContext): Promise<string>;
}

/** A step failed: `message` says what was expected and what came back (never a token). */
export class SmokeFailure extends Error {
  override readonly name = 'SmokeFailure';
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export class SmokeContext {
  /** Set by the create step, cleared by the delete step; whatever is left is deleted at the end. */
  configId: string | undefined;

  constructor(readonly options: SmokeOptions) {}

  async call(method: string, path: string, opts: { auth?: boolean; body?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.auth) headers.authorization = `Bearer ${this.options.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new SmokeFailure(`${method} ${path}: no answer (${reason})`);
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      // Not JSON (e.g. a load balancer's HTML page): kept as text for the failure message.
    }
    return { status: response.status, headers: response.headers, body };
  }

  async expectStatus(method: string, path: string, expected: number, opts: { auth?: boolean; body?: unknown } = {}): Promise<Answer> {
    const answer = await this.call(method, path, opts);
    if (answer.status !== expected) {
      throw new SmokeFailure(`${method} ${path}: expected ${expected}, got ${answer.status}${describeBody(answer.body)}`);
    }
    return answer;
  }
}

function describeBody(body: unknown): string {
  if (body && typeof body === 'object' && 'code' in body) return ` ${String((body as { code: unknown }).code)}`;
  return '';
}

const CACHE_LAYERS = new Set(['in-memory', 'dynamodb']);

function ohlcPath(ticker: string): string {
  return `/api/v2/tickers/${encodeURIComponent(ticker)}/ohlc?range=1M`;
}

export const SMOKE_STEPS: readonly SmokeStep[] = [
  { name: 'live', run: async (ctx) => (await ctx.expectStatus('GET', '/health/live', 200), 'process answers') },
  { name: 'ready', run: async (ctx) => (await ctx.expectStatus('GET', '/health/ready', 200), 'DynamoDB and S3 answer') },
  {
    name: 'circuits',
    run: async (ctx) => {
      const { body } = await ctx.expectStatus('GET', '/health/circuits', 200);
      const circuits = (body as { circuits?: Record<string, string> }).circuits ?? {};
      const names = Object.keys(circuits);
      if (names.length === 0) throw new SmokeFailure('GET /health/circuits: no breakers listed');
      const notClosed = names.filter((name) => circuits[name] !== 'CLOSED');
      if (notClosed.length > 0) {
        throw new SmokeFailure(`breakers not CLOSED: ${notClosed.map((name) => `${name}=${circuits[name]}`).join(', ')}`);
      }
      return `${names.length} breakers CLOSED`;
    },
  },
  {
    name: 'search',
    run: async (ctx) => {
      const { ticker } = ctx.options;
      const { body } = await ctx.expectStatus('GET', `/api/v2/tickers/search?q=${encodeURIComponent(ticker)}&limit=5`, 200);
      const results = (body as { results?: Array<{ symbol?: string }> }).results ?? [];
      if (!results.some((result) => result.symbol === ticker)) throw new SmokeFailure(`search for ${ticker} did not return it`);
      return `${ticker} found`;
    },
  },
  {
    name: 'ohlc',
    run: async (ctx) => {
      const { headers, body } = await ctx.expectStatus('GET', ohlcPath(ctx.options.ticker), 200, { auth: true });
      return `${(body as { count?: number }).count ?? 0} candles from ${headers.get('x-cache-source') ?? '?'}`;
    },
  },
  {
    name: 'ohlc-cached',
    run: async (ctx) => {
      const { headers } = await ctx.expectStatus('GET', ohlcPath(ctx.options.ticker), 200, { auth: true });
      const source = headers.get('x-cache-source') ?? '(none)';
      if (!CACHE_LAYERS.has(source)) throw new SmokeFailure(`second OHLC answer came from ${source}, expected in-memory or dynamodb`);
      return `X-Cache-Source ${source}`;
    },
  },
  {
    name: 'config-create',
    run: async (ctx) => {
      const body = { name: `smoke ${new Date().toISOString()}`, tickers: [ctx.options.ticker] };
      const answer = await ctx.expectStatus('POST', '/api/v2/configurations', 201, { auth: true, body });
      ctx.configId = (answer.body as { config_id?: string }).config_id;
      if (!ctx.configId) throw new SmokeFailure('POST /api/v2/configurations: no config_id in the answer');
      return `config ${ctx.configId}`;
    },
  },
  {
    name: 'config-get',
    run: async (ctx) => (await ctx.expectStatus('GET', `/api/v2/configurations/${ctx.configId}`, 200, { auth: true }), 'read back'),
  },
  {
    name: 'config-delete',
    run: async (ctx) => {
      const path = `/api/v2/configurations/${ctx.configId}`;
      await ctx.expectStatus('DELETE', path, 204, { auth: true });
      ctx.configId = undefined;
      await ctx.expectStatus('GET', path, 404, { auth: true });
      return 'deleted, nothing left behind';
    },
  },
];

export interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

/** Runs the steps in order and stops at the first failure; a configuration it created is deleted either way. */
export async function runSmoke(
  options: SmokeOptions,
  report: (result: StepResult) => void,
  steps: readonly SmokeStep[] = SMOKE_STEPS,
): Promise<boolean> {
  const ctx = new SmokeContext(options);
  try {
    for (const step of steps) {
      const started = performance.now();
      try {
        const detail = await step.run(ctx);
        report({ name: step.name, ok: true, ms: Math.round(performance.now() - started), detail });
      } catch (error) {
        const detail = error instanceof SmokeFailure ? error.message : `unexpected error: ${String(error)}`;
        report({ name: step.name, ok: false, ms: Math.round(performance.now() - started), detail });
        return false;
      }
    }
    return true;
  } finally {
    if (ctx.configId) await ctx.call('DELETE', `/api/v2/configurations/${ctx.configId}`, { auth: true }).catch(() => undefined);
  }
}
