import type { PinoLogger } from 'nestjs-pino';
import { BrokenCircuitError } from 'cockatiel';
import { testSettings } from '../../test/support/test-settings';
import { MetricsRegistry } from '../observability/metrics.registry';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';

const settings = testSettings();

const outage = (): Error => Object.assign(new Error('down'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
const throttling = (): Error => Object.assign(new Error('slow'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

function fakeLogger(): PinoLogger & { warn: jest.Mock; info: jest.Mock } {
  return { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() } as unknown as PinoLogger & {
    warn: jest.Mock;
    info: jest.Mock;
  };
}

describe(CircuitBreakerRegistry.name, () => {
  let metrics: MetricsRegistry;
  let logger: ReturnType<typeof fakeLogger>;
  let registry: CircuitBreakerRegistry;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') });
    metrics = new MetricsRegistry();
    logger = fakeLogger();
    registry = new CircuitBreakerRegistry(settings, metrics, logger);
  });
  afterEach(() => jest.useRealTimers());

  const fail = (error: Error) => registry.execute('dynamodb', () => Promise.reject(error)).catch(() => undefined);
  const metric = (name: string) => metrics.registry.getSingleMetricAsString(name);

  /** dynamodb opens after 3 consecutive outages by default. */
  async function open(): Promise<void> {
    for (let i = 0; i < 3; i++) await fail(outage());
  }

  it('starts with every breaker closed and exported', async () => {
    expect(registry.states()).toEqual({ dynamodb: 'CLOSED', s3: 'CLOSED', tiingo: 'CLOSED', finnhub: 'CLOSED' });
    const state = await metric('circuit_breaker_state');
    for (const name of ['dynamodb', 's3', 'tiingo', 'finnhub']) expect(state).toContain(`circuit_breaker_state{name="${name}"} 0`);
    expect(await metric('circuit_breaker_open_total')).toContain('circuit_breaker_open_total{name="tiingo"} 0');
  });

  it('opens at its threshold of consecutive outages, logs it once and exports it', async () => {
    await fail(outage());
    await fail(outage());
    expect(registry.state('dynamodb')).toBe('CLOSED');

    await fail(outage());

    expect(registry.state('dynamodb')).toBe('OPEN');
    expect(await metric('circuit_breaker_state')).toContain('circuit_breaker_state{name="dynamodb"} 1');
    expect(await metric('circuit_breaker_open_total')).toContain('circuit_breaker_open_total{name="dynamodb"} 1');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ breaker: 'dynamodb', state: 'OPEN' }), 'circuit opened');
    expect(registry.state('s3')).toBe('CLOSED');
  });

  it('is not opened by throttling, and a success resets the count', async () => {
    for (let i = 0; i < 5; i++) await fail(throttling());
    await fail(outage());
    await fail(outage());
    await registry.execute('dynamodb', () => Promise.resolve('ok'));
    await fail(outage());

    expect(registry.state('dynamodb')).toBe('CLOSED');
  });

  it('fails fast while open and reports the remaining cool-down', async () => {
    await open();
    jest.advanceTimersByTime(20_000);
    const operation = jest.fn(() => Promise.resolve('ok'));

    await expect(registry.execute('dynamodb', operation)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(operation).not.toHaveBeenCalled();
    expect(registry.remainingCoolDownMs('dynamodb')).toBe(40_000);
  });

  it('lets exactly one probe through after the cool-down and closes when it succeeds', async () => {
    await open();
    jest.advanceTimersByTime(60_000);
    let finishProbe!: (value: string) => void;
    const probe = registry.execute('dynamodb', () => new Promise<string>((resolve) => (finishProbe = resolve)));
    const second = jest.fn(() => Promise.resolve('second'));

    expect(registry.state('dynamodb')).toBe('HALF_OPEN');
    expect(await metric('circuit_breaker_state')).toContain('circuit_breaker_state{name="dynamodb"} 2');
    await expect(registry.execute('dynamodb', second)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(second).not.toHaveBeenCalled();

    finishProbe('probe');
    await expect(probe).resolves.toBe('probe');
    expect(registry.state('dynamodb')).toBe('CLOSED');
    expect(await metric('circuit_breaker_state')).toContain('circuit_breaker_state{name="dynamodb"} 0');
  });

  it('re-opens for another full cool-down when the probe fails', async () => {
    await open();
    jest.advanceTimersByTime(60_000);

    await fail(outage());

    expect(registry.state('dynamodb')).toBe('OPEN');
    expect(registry.remainingCoolDownMs('dynamodb')).toBe(60_000);
    expect(await metric('circuit_breaker_open_total')).toContain('circuit_breaker_open_total{name="dynamodb"} 2');
  });

  it('uses the configured threshold and cool-down of each breaker', async () => {
    const custom = new CircuitBreakerRegistry(
      testSettings({ CIRCUIT_TIINGO_FAILURE_THRESHOLD: '1', CIRCUIT_TIINGO_HALF_OPEN_AFTER_MS: '1000' }),
      new MetricsRegistry(),
      fakeLogger(),
    );

    await custom.execute('tiingo', () => Promise.reject(outage())).catch(() => undefined);

    expect(custom.state('tiingo')).toBe('OPEN');
    expect(custom.remainingCoolDownMs('tiingo')).toBe(1000);
  });
});
