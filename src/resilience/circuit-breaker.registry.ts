import { Injectable } from '@nestjs/common';
import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  IBreaker,
  SamplingBreaker,
} from 'cockatiel';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { CircuitName, CIRCUITS, CircuitSettings, Settings } from '../config/settings';
import { MetricsRegistry } from '../observability/metrics.registry';
import { isBreakerFailure } from './error-classification';

export type CircuitStateName = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** Exported as circuit_breaker_state; documented in its HELP text. */
const STATE_GAUGE_VALUE: Record<CircuitStateName, number> = { CLOSED: 0, OPEN: 1, HALF_OPEN: 2 };

interface Breaker {
  readonly policy: CircuitBreakerPolicy;
  readonly halfOpenAfterMs: number;
  openedAt: number;
}

/**
 * One circuit breaker per use of a dependency (see CIRCUITS), shared by every request of the
 * process. `execute` wraps a whole logical call, retries included, so a breaker records one
 * outcome per call: three retries of one request are one failure, not three. It counts only
 * outages and fairly-budgeted deadline overruns (see isBreakerFailure), lets exactly one probe
 * through after its cool-down, and closes on the probe's success.
 */
@Injectable()
export class CircuitBreakerRegistry {
  private readonly breakers: ReadonlyMap<CircuitName, Breaker>;

  constructor(
    settings: Settings,
    metrics: MetricsRegistry,
    @InjectPinoLogger(CircuitBreakerRegistry.name) private readonly logger: PinoLogger,
  ) {
    const stateGauge = metrics.gauge(
      'circuit_breaker_state',
      'Circuit breaker state per dependency: 0 closed, 1 open, 2 half-open',
      ['name'],
    );
    const openCounter = metrics.counter('circuit_breaker_open_total', 'Times a circuit breaker opened', ['name']);
    const fairBudgetMs = settings.circuitFairBudgetMs;
    this.breakers = new Map(
      CIRCUITS.map((name) => {
        const circuit = settings.circuits[name];
        const { halfOpenAfterMs } = circuit;
        const policy = circuitBreaker(
          handleWhen((error) => isBreakerFailure(error, fairBudgetMs)),
          { halfOpenAfter: halfOpenAfterMs, breaker: breakerFor(circuit) },
        );
        const breaker: Breaker = { policy, halfOpenAfterMs, openedAt: 0 };
        // Every breaker appears in /metrics from the start, not only after its first trip.
        stateGauge.set({ name }, STATE_GAUGE_VALUE.CLOSED);
        openCounter.inc({ name }, 0);
        policy.onBreak((reason) => {
          breaker.openedAt = Date.now();
          openCounter.inc({ name });
          const cause = 'error' in reason ? errorName(reason.error) : undefined;
          this.logger.warn({ breaker: name, state: 'OPEN', cool_down_ms: halfOpenAfterMs, cause }, 'circuit opened');
        });
        policy.onStateChange((state) => {
          const stateName = toStateName(state);
          stateGauge.set({ name }, STATE_GAUGE_VALUE[stateName]);
          if (stateName !== 'OPEN') this.logger.info({ breaker: name, state: stateName }, `circuit ${stateName.toLowerCase()}`);
        });
        return [name, breaker] as const;
      }),
    );
  }

  /**
   * Runs one logical call (its retries inside `fn`) through the breaker. While a half-open probe
   * is in flight, other calls fail at once (cockatiel would queue them behind the probe, past
   * their own deadlines).
   */
  execute<T>(name: CircuitName, fn: () => Promise<T>): Promise<T> {
    const { policy } = this.get(name);
    if (policy.state === CircuitState.HalfOpen) {
      return Promise.reject(new BrokenCircuitError('A half-open probe is already in flight'));
    }
    return policy.execute(fn);
  }

  /**
   * Whether a call made now would reach the dependency: true while closed and once an open
   * breaker's cool-down has run out (that call is the probe). A layer that can bypass the
   * dependency asks this, never "is it open?": cockatiel only leaves OPEN when a call comes, so
   * a layer that skipped every call while OPEN would never probe again.
   */
  permitsCall(name: CircuitName): boolean {
    const breaker = this.get(name);
    switch (breaker.policy.state) {
      case CircuitState.Closed:
        return true;
      case CircuitState.Open:
        return Date.now() >= breaker.openedAt + breaker.halfOpenAfterMs;
      default:
        return false;
    }
  }

  state(name: CircuitName): CircuitStateName {
    return toStateName(this.get(name).policy.state);
  }

  states(): Record<CircuitName, CircuitStateName> {
    return Object.fromEntries(CIRCUITS.map((name) => [name, this.state(name)])) as Record<CircuitName, CircuitStateName>;
  }

  /** Milliseconds until an open breaker lets a probe through; 0 when it is not open. */
  remainingCoolDownMs(name: CircuitName): number {
    const breaker = this.get(name);
    if (this.state(name) !== 'OPEN') return 0;
    return Math.max(0, breaker.openedAt + breaker.halfOpenAfterMs - Date.now());
  }

  private get(name: CircuitName): Breaker {
    const breaker = this.breakers.get(name);
    if (!breaker) throw new Error(`No circuit breaker named ${name}`);
    return breaker;
  }
}

function breakerFor(circuit: CircuitSettings): IBreaker {
  if (circuit.kind === 'consecutive') return new ConsecutiveBreaker(circuit.failureThreshold);
  // cockatiel expresses the minimum as a rate over its sampling window.
  return new SamplingBreaker({
    threshold: circuit.failureRate,
    duration: circuit.samplingMs,
    minimumRps: circuit.minimumCalls / (circuit.samplingMs / 1000),
  });
}

function toStateName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'CLOSED';
    case CircuitState.HalfOpen:
      return 'HALF_OPEN';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'OPEN';
    default:
      throw new Error(`Unknown circuit state ${String(state)}`);
  }
}

/** Duck-typed: errors from another realm (a VM context) are not `instanceof Error`. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : typeof error;
}
