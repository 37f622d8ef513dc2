import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { MetricsRegistry } from '../observability/metrics.registry';
import { isWorse, QuotaState, QuotaWindowSlot, stateOf } from './quota-windows';

interface LoggedLevel {
  readonly sk: string;
  readonly state: QuotaState;
}

/** Metrics and the once-per-window threshold log lines of the quota service. */
@Injectable()
export class QuotaObserver {
  private readonly usedRatio;
  private readonly denied;
  private readonly fallbackTotal;
  private readonly fallbackActive;
  /** Highest state already logged per service and window unit; a new window starts over. */
  private readonly logged = new Map<string, LoggedLevel>();

  constructor(
    metrics: MetricsRegistry,
    @InjectPinoLogger(QuotaObserver.name) private readonly logger: PinoLogger,
  ) {
    this.usedRatio = metrics.gauge('quota_used_ratio', 'Share of the current window limit used (0-1)', ['service', 'window']);
    this.denied = metrics.counter('quota_denied_total', 'Reservations refused because a window was full', ['service']);
    this.fallbackTotal = metrics.counter(
      'quota_fallback_total',
      'Reservations decided by the per-instance budget because DynamoDB was unavailable',
      ['service'],
    );
    this.fallbackActive = metrics.gauge(
      'quota_fallback_active',
      '1 while the service is counted against the per-instance fallback budget',
      ['service'],
    );
  }

  /** Records a window's current count: gauge, plus one log line the first time a threshold is crossed. */
  windowUsed(service: string, slot: QuotaWindowSlot, used: number): void {
    this.usedRatio.set({ service, window: slot.window }, Math.min(1, used / slot.limit));
    const key = `${service}|${slot.window}`;
    const previous = this.logged.get(key);
    const baseline = previous?.sk === slot.sk ? previous.state : 'ok';
    const state = stateOf(used, slot.limit);
    if (!isWorse(state, baseline)) return;
    this.logged.set(key, { sk: slot.sk, state });
    this.logger.warn(
      { service, window: slot.window, used, limit: slot.limit, resets_at: slot.resetsAt.toISOString(), state },
      `quota ${service}/${slot.window} is ${state}`,
    );
  }

  denial(service: string): void {
    this.denied.inc({ service });
  }

  fallbackDecision(service: string): void {
    this.fallbackTotal.inc({ service });
  }

  fallbackEntered(service: string, budgets: Record<string, number>, cause: unknown): void {
    this.fallbackActive.set({ service }, 1);
    this.logger.warn(
      { service, budgets, cause: cause instanceof Error ? cause.message : String(cause) },
      `DynamoDB unavailable: quota ${service} is counted against a per-instance fallback budget`,
    );
  }

  releaseFailed(service: string, error: unknown): void {
    this.logger.warn(
      { service, error_name: error instanceof Error ? error.name : typeof error },
      `quota ${service}: a unit reserved ahead and not used could not be given back; it stays counted`,
    );
  }

  fallbackLeft(service: string): void {
    this.fallbackActive.set({ service }, 0);
    this.logger.info({ service }, `DynamoDB answers again: quota ${service} is counted in DynamoDB`);
  }
}
