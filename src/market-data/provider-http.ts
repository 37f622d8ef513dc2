import { withProviderSpan } from '../observability/tracing/provider-span';
import type { MarketDataSource } from '../ohlc/candle.model';

/**
 * A provider answered with a non-2xx status, or a body we cannot read (reported as 502). Carries
 * `status` and `retryAfterSeconds`, the shape the resilience error classifier understands.
 * The message names the provider, status and path only, never the query or credential headers.
 */
export class ProviderHttpError extends Error {
  constructor(
    readonly provider: MarketDataSource,
    readonly status: number,
    path: string,
    readonly retryAfterSeconds?: number,
    reason = `answered HTTP ${status}`,
  ) {
    super(`${provider} ${reason} for ${path}`);
    this.name = 'ProviderHttpError';
  }
}

/** Status used when a 2xx body is not the JSON we expect: the provider is misbehaving, like a bad gateway. */
export const MALFORMED_RESPONSE_STATUS = 502;

/**
 * GETs `url` and parses the JSON body of a 2xx answer; any other status throws ProviderHttpError
 * (the body is discarded so the socket returns to the pool). `onStatus` lets a provider turn a
 * status into its own error first (Tiingo's 404 = unknown ticker).
 */
export async function getJson(
  provider: MarketDataSource,
  url: URL,
  init: { headers?: Record<string, string>; signal: AbortSignal },
  onStatus?: (status: number) => Error | undefined,
): Promise<unknown> {
  return withProviderSpan(provider, url, () => fetchJson(provider, url, init, onStatus));
}

async function fetchJson(
  provider: MarketDataSource,
  url: URL,
  init: { headers?: Record<string, string>; signal: AbortSignal },
  onStatus?: (status: number) => Error | undefined,
): Promise<unknown> {
  const response = await fetch(url, { method: 'GET', headers: { accept: 'application/json', ...init.headers }, signal: init.signal });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const own = onStatus?.(response.status);
    if (own) throw own;
    throw new ProviderHttpError(provider, response.status, url.pathname, parseRetryAfter(response.headers.get('retry-after')));
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderHttpError(provider, MALFORMED_RESPONSE_STATUS, url.pathname, undefined, 'sent a body that is not JSON');
  }
}

/** `Retry-After` as whole seconds: either delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Appends `path` to the base URL, keeping any path prefix the base has (a proxy or the simulator). */
export function providerUrl(baseUrl: string, path: string): URL {
  return new URL(`${baseUrl.replace(/\/+$/, '')}${path}`);
}
