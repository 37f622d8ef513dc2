import type { PinoLogger } from 'nestjs-pino';
import { testSettings } from '../../../test/support/test-settings';
import type { AwsClients } from '../../infrastructure/aws-clients';
import { MetricsRegistry } from '../../observability/metrics.registry';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker.registry';
import { ResilienceService } from '../../resilience/resilience.service';
import { LiveBarsRepository } from './live-bars.repository';
import { LiveUserSlotsRepository } from './live-user-slots.repository';

const logger = { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() } as unknown as PinoLogger;
const outage = (): Error => Object.assign(new Error('InternalServerError (SDK text)'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });

/**
 * The live items sit in the OHLC cache table, so their failures belong to the cache layer's
 * breaker: a storm of failing stream opens or fan-out reads must never refuse configurations or
 * quota, which share the `dynamodb` breaker.
 */
describe('live items and the circuit breakers', () => {
  const settings = testSettings();
  let breakers: CircuitBreakerRegistry;
  let bars: LiveBarsRepository;
  let slots: LiveUserSlotsRepository;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-30T15:00:00Z') });
    const metrics = new MetricsRegistry();
    breakers = new CircuitBreakerRegistry(settings, metrics, logger);
    const resilience = new ResilienceService(settings, breakers, metrics, logger);
    const clients = { documents: { send: jest.fn(() => Promise.reject(outage())) } } as unknown as AwsClients;
    bars = new LiveBarsRepository(clients, resilience, settings);
    slots = new LiveUserSlotsRepository(clients, resilience, settings);
  });
  afterEach(() => jest.useRealTimers());

  it('opens dynamodb_cache, never dynamodb, however many live calls fail', async () => {
    const key = { ticker: 'AAPL', resolution: '1' as const, date: '2026-11-30' };
    const calls = Array.from({ length: 30 }, (_, i) =>
      (i % 2 === 0 ? slots.read(`user-${i}`) : bars.read(key)).then(
        () => 'answered',
        (error: unknown) => (error as { code?: string }).code,
      ),
    );
    await jest.advanceTimersByTimeAsync(10_000);
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((code) => code === 'DEPENDENCY_UNAVAILABLE')).toBe(true);
    expect(breakers.state('dynamodb_cache')).toBe('OPEN');
    expect(breakers.state('dynamodb')).toBe('CLOSED');
    expect(breakers.permitsCall('dynamodb')).toBe(true);
  });
});
