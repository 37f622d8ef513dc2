import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { DependencyThrottledError } from '../common/errors/dependency.errors';
import { RequestContexts } from '../common/http/request-context';
import { Settings } from '../config/settings';
import { MetricsRegistry } from '../observability/metrics.registry';
import { QuotaExhaustedError, UnknownQuotaServiceError } from '../quota/quota.errors';
import { QuotaReservation, QuotaService } from '../quota/quota.service';
import { ReservedAhead } from '../quota/reserved-ahead';
import { Deadline, deadlineIn } from '../resilience/deadline';
import { ResilienceService } from '../resilience/resilience.service';
import { MarketDataUnavailableError, TickerNotFoundError } from './market-data.errors';
import type { Candle, DateSpan, FetchedCandles, MarketDataSource, Resolution } from '../ohlc/candle.model';
import { MARKET_DATA_PROVIDERS, MarketDataProvider } from './market-data-provider';
import {
  DEFAULT_RETRY_AFTER_SECONDS, errorNameOf, noProviderAnswered, PROVIDER_OUTCOMES, ProviderFailure,
  retryHintOf, statusOf,
} from './provider-failures';
import { ProviderHttpError } from './provider-http';

export interface FetchOptions {
  /** Each provider's quota is only used up to this share of every window (see QuotaService.reserve). */
  readonly quotaCeilingRatio?: number;
  /** A unit of this provider's quota reserved ahead (see `prepay`): the first attempt at it uses it. */
  readonly prepaid?: ProviderPrepayment;
}

/** One unit of a provider's quota reserved ahead for the next fetch's first attempt. */
export interface ProviderPrepayment {
  readonly provider: MarketDataSource;
  readonly unit: ReservedAhead<QuotaReservation>;
}

/** How long a provider that sent 429 without a Retry-After is left alone. */
const THROTTLE_SKIP_DEFAULT_SECONDS = 30;
/**
 * Share of the remaining request deadline a provider may use while another provider could still
 * answer: a hung primary must leave the secondary time to reply before the client's deadline.
 */
const SHARE_WHILE_OTHERS_WAIT = 0.6;

/**
 * Failover as a plain loop over the providers in priority order: skipped while a 429's
 * Retry-After runs, else one call through the resilience layer (retries except on 429, breaker,
 * deadline), each HTTP attempt reserving one quota unit. An unknown ticker ends the fetch (no
 * failover); any other failure moves on to the next provider.
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
   * A unit of the quota of the provider the next fetch would call first, reserved ahead so the
   * write runs beside other work (see ReservedAhead); undefined when no provider could be called.
   * Hold it while deciding, pass it as `prepaid`, drop the hold afterwards: unused, it goes back.
   */
  prepay(): ProviderPrepayment | undefined {
    const first = this.providers.find((p) => p.enabled && this.skipSecondsLeft(p.name) === 0);
    if (!first) return undefined;
    return { provider: first.name, unit: new ReservedAhead(() => this.quota.reserve(first.name), (reservation) => this.quota.release(reservation)) };
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
      const skipSeconds = this.skipSecondsLeft(provider.name);
      if (skipSeconds > 0) {
        this.requests.inc({ provider: provider.name, outcome: 'throttled' });
        failures.push({ provider: provider.name, outcome: 'throttled', retryAfterSeconds: skipSeconds });
        continue;
      }
      try {
        const candles = await this.call(provider, ticker, resolution, span, this.deadlineFor(budget, enabled.slice(index + 1)), options);
        this.requests.inc({ provider: provider.name, outcome: 'ok' });
        return { source: provider.name, candles };
      } catch (error) {
        if (error instanceof TickerNotFoundError) {
          this.requests.inc({ provider: provider.name, outcome: 'not_found' });
          throw error;
        }
        failures.push(this.failed(provider.name, ticker, error));
      }
    }
    throw noProviderAnswered(failures, budget.signal.aborted);
  }

  /**
   * One call through the resilience layer. Each HTTP attempt reserves its own quota unit first, so
   * the shared count matches the calls upstream received; a 429 is not retried: its Retry-After
   * usually outlasts the deadline, and the next provider is the better use of the time left.
   */
  private call(
    provider: MarketDataProvider,
    ticker: string,
    resolution: Resolution,
    span: DateSpan,
    deadline: Deadline,
    options: FetchOptions,
  ): Promise<Candle[]> {
    let prepaid = options.prepaid?.provider === provider.name ? options.prepaid.unit : undefined;
    return this.resilience.execute(
      provider.name,
      async (signal) => {
        // The first attempt takes the unit reserved ahead (if any); each retry reserves its own.
        const ahead = prepaid;
        prepaid = undefined;
        if (ahead) await ahead.use();
        else await this.quota.reserve(provider.name, 1, { ceilingRatio: options.quotaCeilingRatio });
        return provider.fetchCandles(ticker, resolution, span, signal);
      },
      { deadline, retryThrottled: false },
    );
  }

  /** Why the provider could not answer; a throttled one is left alone until its Retry-After. */
  private failed(provider: MarketDataSource, ticker: string, error: unknown): ProviderFailure {
    // Only the provider's own 429: a quota counter under contention is no reason to leave it alone.
    if (error instanceof DependencyThrottledError && error.dependency === provider) {
      const hint = error.cause instanceof ProviderHttpError ? error.cause.retryAfterSeconds : error.retryAfterSeconds;
      const seconds = hint ?? THROTTLE_SKIP_DEFAULT_SECONDS;
      this.skipUntil.set(provider, Date.now() + seconds * 1000);
      return this.report(provider, ticker, 'throttled', error, seconds);
    }
    // A quota error is an AppError, which the retry layer passes through unchanged.
    if (error instanceof QuotaExhaustedError) return this.report(provider, ticker, 'quota_exhausted', error, error.retryAfterSeconds);
    // A programming error, not an outage: failing over would hide it.
    if (error instanceof UnknownQuotaServiceError) throw error;
    // Outages, timeouts, open breakers, other 4xx, and a quota check that could not run (the call
    // could overspend): the provider counts as unavailable.
    return this.report(provider, ticker, 'error', error, retryHintOf(error));
  }

  private report(
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
    return deadlineIn(ms, budget);
  }
}
