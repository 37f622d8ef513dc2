import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { AppError } from '../../common/errors/app-error';
import { DependencyThrottledError } from '../../common/errors/dependency.errors';
import { RequestContexts } from '../../common/http/request-context';
import { Settings } from '../../config/settings';
import { MetricsRegistry } from '../../observability/metrics.registry';
import { QuotaExhaustedError } from '../../quota/quota.errors';
import { QuotaService } from '../../quota/quota.service';
import { ExecuteOptions, ResilienceService } from '../../resilience/resilience.service';
import { MarketDataUnavailableError, TickerNotFoundError } from '../ohlc.errors';
import type { Candle, DateSpan, FetchedCandles, MarketDataSource, Resolution } from '../ohlc.types';
import { MARKET_DATA_PROVIDERS, MarketDataProvider } from './market-data-provider';
import {
  DEFAULT_RETRY_AFTER_SECONDS, errorNameOf, noProviderAnswered, PROVIDER_OUTCOMES, ProviderFailure,
  retryHintOf, statusOf,
} from './provider-failures';
import { ProviderHttpError } from './provider-http';

type Deadline = NonNullable<ExecuteOptions['deadline']>;

export interface FetchOptions {
  /** Each provider's quota is only used up to this share of every window (see QuotaService.reserve). */
  readonly quotaCeilingRatio?: number;
}
type Answer = { readonly candles: Candle[] } | { readonly throttled: ProviderHttpError };

/** How long a provider that sent 429 without a Retry-After is left alone. */
const THROTTLE_SKIP_DEFAULT_SECONDS = 30;
/**
 * Share of the remaining request deadline a provider may use while another provider could still
 * answer: a hung primary must leave the secondary time to reply before the client's deadline.
 */
const SHARE_WHILE_OTHERS_WAIT = 0.6;

/**
 * Fetches candles from the first provider, in priority order, that can answer. Per provider:
 * skipped while a 429's Retry-After runs, then one call through the resilience layer (retries,
 * circuit breaker, deadline), each HTTP attempt reserving one quota unit. An unknown ticker at a provider ends the
 * fetch (no failover); any other failure moves on to the next provider.
 */
@Injectable()
export class MarketDataService {
  /** Per instance: a provider that answered 429 is not called before this epoch-ms. */
  private readonly skipUntil = new Map<MarketDataSource, number>();
  private readonly requests: Counter<'provider' | 'outcome'>;

  constructor(
    @Inject(MARKET_DATA_PROVIDERS) private readonly providers: readonly MarketDataProvider[],
    private readonly resilience: ResilienceService,
    private readonly quota: QuotaService,
    private readonly settings: Settings,
    metrics: MetricsRegistry,
    @InjectPinoLogger(MarketDataService.name) private readonly logger: PinoLogger,
  ) {
    this.requests = metrics.counter('market_data_requests_total', 'Market-data provider attempts by outcome', ['provider', 'outcome']);
    for (const { name } of providers) for (const outcome of PROVIDER_OUTCOMES) this.requests.inc({ provider: name, outcome }, 0);
  }

  /** Which providers are configured (have an API key), in priority order. */
  enabledProviders(): MarketDataSource[] {
    return this.providers.filter((p) => p.enabled).map((p) => p.name);
  }

  /**
   * Candles for [span.start, span.end] (ET market dates), oldest first, from the first provider
   * that can answer. An empty list is a valid answer (Finnhub's `no_data`).
   * @throws TickerNotFoundError the primary does not know the ticker.
   * @throws MarketDataThrottledError (429) every enabled provider is throttled or out of quota.
   * @throws MarketDataTimeoutError (504) the request's deadline ran out, or every provider timed out.
   * @throws MarketDataUnavailableError (503) otherwise, including when no provider is enabled.
   */
  async fetch(ticker: string, resolution: Resolution, span: DateSpan, options: FetchOptions = {}): Promise<FetchedCandles> {
    const enabled = this.providers.filter((p) => p.enabled);
    if (enabled.length === 0) throw new MarketDataUnavailableError(DEFAULT_RETRY_AFTER_SECONDS);
    const budget = RequestContexts.deadline(this.settings.requestDeadlineMs);
    const failures: ProviderFailure[] = [];
    for (const [index, provider] of enabled.entries()) {
      const result = await this.attempt(provider, ticker, resolution, span, () => this.deadlineFor(budget, enabled.slice(index + 1)), options);
      if ('candles' in result) return { source: provider.name, candles: result.candles };
      failures.push(result);
    }
    throw noProviderAnswered(failures, budget.signal.aborted);
  }

  private async attempt(
    provider: MarketDataProvider,
    ticker: string,
    resolution: Resolution,
    span: DateSpan,
    deadline: () => Deadline,
    options: FetchOptions,
  ): Promise<{ readonly candles: Candle[] } | ProviderFailure> {
    const skipSeconds = this.skipSecondsLeft(provider.name);
    if (skipSeconds > 0) {
      this.requests.inc({ provider: provider.name, outcome: 'throttled' });
      this.logger.debug({ provider: provider.name, ticker, retry_after_s: skipSeconds }, 'market data provider skipped after 429');
      return { provider: provider.name, outcome: 'throttled', retryAfterSeconds: skipSeconds };
    }
    // Each HTTP attempt (the resilience layer may retry) reserves its own quota unit, so the
    // shared count matches the calls upstream actually received.
    let quotaFailure: unknown;
    const reserveThenCall = async (signal: AbortSignal): Promise<Answer> => {
      try {
        await this.quota.reserve(provider.name, 1, { ceilingRatio: options.quotaCeilingRatio });
      } catch (error) {
        quotaFailure = error;
        throw error;
      }
      return this.callOnce(provider, ticker, resolution, span, signal);
    };
    try {
      const answer = await this.resilience.execute(provider.name, reserveThenCall, { deadline: deadline() });
      if ('throttled' in answer) return this.throttled(provider.name, ticker, answer.throttled, answer.throttled.retryAfterSeconds);
      this.requests.inc({ provider: provider.name, outcome: 'ok' });
      return answer;
    } catch (error) {
      // Quota errors are AppErrors: permanent for the retry layer, so they arrive here unchanged.
      if (quotaFailure !== undefined && error === quotaFailure) return this.quotaFailed(provider.name, ticker, error);
      if (error instanceof TickerNotFoundError) {
        this.requests.inc({ provider: provider.name, outcome: 'not_found' });
        throw error;
      }
      if (error instanceof DependencyThrottledError) return this.throttled(provider.name, ticker, error, error.retryAfterSeconds);
      return this.failed(provider.name, ticker, 'error', error, retryHintOf(error));
    }
  }

  private quotaFailed(provider: MarketDataSource, ticker: string, error: unknown): ProviderFailure {
    if (error instanceof QuotaExhaustedError) return this.failed(provider, ticker, 'quota_exhausted', error, error.retryAfterSeconds);
    // Without a working quota check the call could overspend: treat the provider as unavailable.
    if (error instanceof AppError) return this.failed(provider, ticker, 'error', error, retryHintOf(error));
    throw error;
  }

  /**
   * A 429 resolves instead of throwing, so the shared retry policy does not call a provider that
   * just asked for a pause again a second later: its Retry-After is usually far longer than our
   * deadline, and the next provider is the better use of the time left.
   */
  private async callOnce(
    provider: MarketDataProvider,
    ticker: string,
    resolution: Resolution,
    span: DateSpan,
    signal: AbortSignal,
  ): Promise<Answer> {
    try {
      return { candles: await provider.fetchCandles(ticker, resolution, span, signal) };
    } catch (error) {
      if (error instanceof ProviderHttpError && error.status === 429) return { throttled: error };
      throw error;
    }
  }

  private throttled(provider: MarketDataSource, ticker: string, error: unknown, retryAfterSeconds?: number): ProviderFailure {
    const seconds = retryAfterSeconds ?? THROTTLE_SKIP_DEFAULT_SECONDS;
    this.skipUntil.set(provider, Date.now() + seconds * 1000);
    return this.failed(provider, ticker, 'throttled', error, seconds);
  }

  private failed(
    provider: MarketDataSource,
    ticker: string,
    outcome: ProviderFailure['outcome'],
    error: unknown,
    retryAfterSeconds: number | undefined,
  ): ProviderFailure {
    this.requests.inc({ provider, outcome });
    const cause = error instanceof Error && error.cause !== undefined ? errorNameOf(error.cause) : undefined;
    this.logger.warn(
      { provider, ticker, outcome, error_name: errorNameOf(error), cause, status: statusOf(error), retry_after_s: retryAfterSeconds },
      'market data provider failed',
    );
    return { provider, outcome, retryAfterSeconds, error };
  }

  private skipSecondsLeft(provider: MarketDataSource): number {
    const until = this.skipUntil.get(provider);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.skipUntil.delete(provider);
    return 0;
  }

  /** The whole remaining budget for the last provider that could answer, a share of it otherwise. */
  private deadlineFor(budget: Deadline, later: readonly MarketDataProvider[]): Deadline {
    const now = Date.now();
    if (!later.some((p) => this.skipSecondsLeft(p.name) === 0) || budget.deadlineAt <= now) return budget;
    const ms = Math.max(1, Math.floor((budget.deadlineAt - now) * SHARE_WHILE_OTHERS_WAIT));
    return { signal: AbortSignal.any([budget.signal, AbortSignal.timeout(ms)]), deadlineAt: now + ms };
  }
}
