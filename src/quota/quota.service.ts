import { Injectable } from '@nestjs/common';
import { DependencyTimeoutError, DependencyUnavailableError } from '../common/errors/dependency.errors';
import { QuotaWindowLimit, QuotaWindowUnit, Settings } from '../config/settings';
import { Clock } from '../resilience/clock';
import { QuotaExhaustedError, UnknownQuotaServiceError } from './quota.errors';
import { QuotaFallbackBudget } from './quota-fallback-budget';
import { QuotaObserver } from './quota-observer';
import { QuotaRepository, ReserveOutcome } from './quota.repository';
import { QuotaDay, quotaDay, QuotaState, QuotaWindowSlot, secondsUntil, stateOf, windowSlots, worstState } from './quota-windows';

export interface QuotaWindowUsage {
  readonly window: QuotaWindowUnit;
  readonly used: number;
  readonly limit: number;
  readonly remaining: number;
  readonly resetsAt: Date;
}

export interface QuotaUsage {
  readonly service: string;
  readonly windows: readonly QuotaWindowUsage[];
  /** The worst state of any window. */
  readonly state: QuotaState;
}

export interface ReserveOptions {
  /**
   * Only reserve while each window stays within this share of its limit (0.8: never take the last
   * 20 %), so background work such as live polls leaves the rest for ordinary requests.
   */
  readonly ceilingRatio?: number;
}

/** The windows as a caller with a ceiling sees them: the same counters, smaller limits. */
function withCeiling(slots: readonly QuotaWindowSlot[], ratio: number): QuotaWindowSlot[] {
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`ceilingRatio must be in (0, 1], got ${ratio}`);
  return slots.map((slot) => ({ ...slot, limit: Math.floor(slot.limit * ratio) }));
}

export interface QuotaReservation {
  readonly service: string;
  readonly units: number;
  /** True when DynamoDB was unavailable and the per-instance fallback budget granted it. */
  readonly fromFallback: boolean;
}

/**
 * Call budgets of the upstream services (tiingo, finnhub, sendgrid), shared by every instance
 * through DynamoDB counters. Reserve before each upstream call:
 *
 * ```ts
 * try { await quota.reserve('tiingo'); } catch (e) { if (e instanceof QuotaExhaustedError) ...fail over...; throw e; }
 * ```
 */
@Injectable()
export class QuotaService {
  private readonly fallback: QuotaFallbackBudget;
  private readonly inFallback = new Set<string>();
  /** Where each reservation counted in DynamoDB was counted, so `release` gives back to exactly those windows. */
  private readonly counted = new WeakMap<QuotaReservation, { counter: string; day: QuotaDay; slots: readonly QuotaWindowSlot[] }>();

  constructor(
    private readonly settings: Settings,
    private readonly repository: QuotaRepository,
    private readonly clock: Clock,
    private readonly observer: QuotaObserver,
  ) {
    this.fallback = new QuotaFallbackBudget(settings.quota.fallbackFraction);
  }

  /** Every service with a configured quota, in configuration order. */
  services(): string[] {
    return Object.keys(this.settings.quota.services);
  }

  /**
   * Counts `n` calls against every window of `service`, atomically and only if none would pass
   * its limit. Throws `QuotaExhaustedError` (nothing counted) when a window is full, and
   * `UnknownQuotaServiceError` for a service without configured windows. When DynamoDB is
   * unavailable the per-instance fallback budget decides (metric `quota_fallback_total`).
   */
  async reserve(service: string, n = 1, options: ReserveOptions = {}): Promise<QuotaReservation> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`reserve() needs a positive whole number of units, got ${n}`);
    const now = this.clock.now();
    const windows = windowSlots(this.windowsOf(service), now);
    const slots = options.ceilingRatio === undefined ? windows : withCeiling(windows, options.ceilingRatio);
    const tooLarge = slots.flatMap((slot, i) => (n > slot.limit ? [i] : []));
    if (tooLarge.length > 0) throw this.denied(service, slots, tooLarge, now);

    let outcome: ReserveOutcome;
    const day = quotaDay(now);
    try {
      outcome = await this.repository.reserve(service, day, slots, n, true);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError || error instanceof DependencyTimeoutError)) throw error;
      return this.reserveFromFallback(service, slots, n, now, error);
    }
    this.leaveFallback(service);
    // The write returns the counts, so the gauges and threshold logs cost no extra read.
    const { used } = outcome;
    if (used) windows.forEach((slot, i) => this.observer.windowUsed(service, slot, used[i]));
    if (!outcome.granted) throw this.denied(service, slots, outcome.exhausted, now);
    return this.countedIn({ service, units: n, fromFallback: false }, service, day, slots);
  }

  /**
   * Counts one unit against a caller's own allowance (e.g. one user's share of the OHLC upstream),
   * with the same atomic counters and DynamoDB-down fallback as a service quota. The counter lives
   * under `QUOTA#{allowance}#{key}`; metrics name the allowance only, never the key (one series per
   * user would be unbounded). Throws `QuotaExhaustedError` when a window is full.
   */
  async reserveAllowance(allowance: string, key: string, windows: readonly QuotaWindowLimit[]): Promise<QuotaReservation> {
    const now = this.clock.now();
    const slots = windowSlots(windows, now);
    const counter = `${allowance}#${key}`;
    const day = quotaDay(now);
    let outcome: ReserveOutcome;
    try {
      outcome = await this.repository.reserve(counter, day, slots, 1, false);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError || error instanceof DependencyTimeoutError)) throw error;
      this.observer.fallbackDecision(allowance);
      const exhausted = this.fallback.tryReserve(counter, slots, 1);
      if (exhausted.length > 0) throw this.denied(allowance, slots, exhausted, now);
      return { service: allowance, units: 1, fromFallback: true };
    }
    if (!outcome.granted) throw this.denied(allowance, slots, outcome.exhausted, now);
    return this.countedIn({ service: allowance, units: 1, fromFallback: false }, counter, day, slots);
  }

  /**
   * Gives back a reservation whose call was not made (see ReservedAhead), in exactly the window
   * instances it was counted in, idempotently. A unit of the per-instance fallback budget stays
   * spent (the budget only errs towards fewer calls). Never throws: a unit that cannot be given
   * back stays counted — one call fewer allowed, never one too many.
   */
  async release(reservation: QuotaReservation): Promise<void> {
    const where = this.counted.get(reservation);
    if (!where) return;
    this.counted.delete(reservation);
    try {
      await this.repository.release(where.counter, where.day, where.slots, reservation.units);
    } catch (error) {
      this.observer.releaseFailed(reservation.service, error);
    }
  }

  /** A strongly consistent snapshot of the current windows of `service`. */
  async usage(service: string): Promise<QuotaUsage> {
    const now = this.clock.now();
    const slots = windowSlots(this.windowsOf(service), now);
    const counts = await this.repository.read(service, quotaDay(now), slots);
    const windows = slots.map((slot, i) => {
      this.observer.windowUsed(service, slot, counts[i]);
      return {
        window: slot.window,
        used: counts[i],
        limit: slot.limit,
        remaining: Math.max(0, slot.limit - counts[i]),
        resetsAt: slot.resetsAt,
      };
    });
    return { service, windows, state: worstState(windows.map((w) => stateOf(w.used, w.limit))) };
  }

  /** Snapshots of every configured service (GET /api/v2/quota). */
  async usageOfAll(): Promise<QuotaUsage[]> {
    return Promise.all(this.services().map((service) => this.usage(service)));
  }

  private countedIn(reservation: QuotaReservation, counter: string, day: QuotaDay, slots: readonly QuotaWindowSlot[]): QuotaReservation {
    this.counted.set(reservation, { counter, day, slots });
    return reservation;
  }

  private windowsOf(service: string): readonly QuotaWindowLimit[] {
    const windows = Object.hasOwn(this.settings.quota.services, service) ? this.settings.quota.services[service] : undefined;
    if (windows === undefined || windows.length === 0) throw new UnknownQuotaServiceError(service);
    return windows;
  }

  private denied(service: string, slots: readonly QuotaWindowSlot[], exhausted: readonly number[], now: Date): QuotaExhaustedError {
    this.observer.denial(service);
    const full = exhausted.map((i) => slots[i]);
    // A retry succeeds only once every full window has reset, so the latest reset is the honest wait.
    const resetsAt = new Date(Math.max(...full.map((slot) => slot.resetsAt.getTime())));
    return new QuotaExhaustedError(service, full.map((slot) => slot.window), resetsAt, secondsUntil(resetsAt, now));
  }

  private reserveFromFallback(
    service: string,
    slots: readonly QuotaWindowSlot[],
    n: number,
    now: Date,
    cause: unknown,
  ): QuotaReservation {
    if (!this.inFallback.has(service)) {
      this.inFallback.add(service);
      this.observer.fallbackEntered(service, Object.fromEntries(slots.map((s) => [s.window, this.fallback.budgetOf(s)])), cause);
    }
    this.observer.fallbackDecision(service);
    const exhausted = this.fallback.tryReserve(service, slots, n);
    if (exhausted.length > 0) throw this.denied(service, slots, exhausted, now);
    return { service, units: n, fromFallback: true };
  }

  private leaveFallback(service: string): void {
    if (!this.inFallback.delete(service)) return;
    this.observer.fallbackLeft(service);
  }
}
