import type { PinoLogger } from 'nestjs-pino';
import { BrokenCircuitError } from 'cockatiel';
import { testSettings } from '../../test/support/test-settings';
import { MetricsRegistry } from '../observability/metrics.registry';
import { CircuitName, CIRCUITS } from '../config/settings';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { DeadlineAbortedError } from './deadline';

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

  const fail = (name: CircuitName, error: Error = outage()) => registry.execute(name, () => Promise.reject(error)).catch(() => undefined);
  const succeed = (name: CircuitName) => registry.execute(name, () => Promise.resolve('ok'));
  const metric = (name: string) => metrics.registry.getSingleMetricAsString(name);

  /** dynamodb_cache opens after 3 consecutive failed calls by default. */
  async function openCache(): Promise<void> {
    for (let i = 0; i < 3; i++) await fail('dynamodb_cache');
  }

  it('starts with every breaker closed and exported', async () => {
    expect(registry.states()).toEqual({ dynamodb: 'CLOSED', dynamodb_cache: 'CLOSED', s3: 'CLOSED', tiingo: 'CLOSED', finnhub: 'CLOSED' });
    const state = await metric('circuit_breaker_state');
    for (const name of CIRCUITS) expect(state).toContain(`circuit_breaker_state{name="${name}"} 0`);
    expect(await metric('circuit_breaker_open_total')).toContain('circuit_breaker_open_total{name="dynamodb_cache"} 0');
  });

  describe('dynamodb (the system of record): a sustained failure rate over a minimum of calls', () => {
    it('stays closed while fewer than the minimum of 10 calls were made, even if all failed', async () => {
      for (let i = 0; i < 9; i++) await fail('dynamodb');
      expect(registry.state('dynamodb')).toBe('CLOSED');
      await fail('dynamodb');
      expect(registry.state('dynamodb')).toBe('OPEN');
      expect(registry.remainingCoolDownMs('dynamodb')).toBe(2000);
    });

    it('rides out a burst of failures among many successes (a blip)', async () => {
      for (let i = 0; i < 40; i++) {
        await succeed('dynamodb');
        jest.advanceTimersByTime(100);
      }
      for (let i = 0; i < 30; i++) await fail('dynamodb');
      expect(registry.state('dynamodb')).toBe('CLOSED');
    });

    it('opens once more than half of the calls of the last 5 s failed', async () => {
      for (let i = 0; i < 10; i++) await succeed('dynamodb');
      for (let i = 0; i < 10; i++) await fail('dynamodb');
      expect(registry.state('dynamodb')).toBe('CLOSED');
      await fail('dynamodb');
      expect(registry.state('dynamodb')).toBe('OPEN');
      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ breaker: 'dynamodb', state: 'OPEN', cool_down_ms: 2000 }), 'circuit opened');
    });

    it('forgets failures older than its sampling window', async () => {
      for (let i = 0; i < 9; i++) await fail('dynamodb');
      jest.advanceTimersByTime(6000);
      for (let i = 0; i < 10; i++) await succeed('dynamodb');
      await fail('dynamodb');
      expect(registry.state('dynamodb')).toBe('CLOSED');
    });
  });

  it('opens dynamodb_cache at 3 consecutive failed calls, logs it once and exports it', async () => {
    await fail('dynamodb_cache');
    await fail('dynamodb_cache');
    expect(registry.state('dynamodb_cache')).toBe('CLOSED');
    await fail('dynamodb_cache');
    expect(registry.state('dynamodb_cache')).toBe('OPEN');
    expect(registry.remainingCoolDownMs('dynamodb_cache')).toBe(60_000);
    expect(await metric('circuit_breaker_state')).toContain('circuit_breaker_state{name="dynamodb_cache"} 1');
    expect(await metric('circuit_breaker_open_total')).toContain('circuit_breaker_open_total{name="dynamodb_cache"} 1');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(registry.state('dynamodb')).toBe('CLOSED');
  });

  it('is not opened by throttling, and a success resets the consecutive count', async () => {
    for (let i = 0; i < 5; i++) await fail('dynamodb_cache', throttling());
    await fail('dynamodb_cache');
    await fail('dynamodb_cache');
    await succeed('dynamodb_cache');
    await fail('dynamodb_cache');
    expect(registry.state('dynamodb_cache')).toBe('CLOSED');
  });

  it('does not count a deadline abort of an attempt that started with too little budget', async () => {
    for (let i = 0; i < 5; i++) await fail('dynamodb_cache', new DeadlineAbortedError(undefined, 200));
    expect(registry.state('dynamodb_cache')).toBe('CLOSED');
    for (let i = 0; i < 3; i++) await fail('dynamodb_cache', new DeadlineAbortedError(undefined, 4000));
    expect(registry.state('dynamodb_cache')).toBe('OPEN');
  });

  it('fails fast while open and reports the remaining cool-down', async () => {
    await openCache();
    jest.advanceTimersByTime(20_000);
    const operation = jest.fn(() => Promise.resolve('ok'));
    await expect(registry.execute('dynamodb_cache', operation)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(operation).not.toHaveBeenCalled();
    expect(registry.remainingCoolDownMs('dynamodb_cache')).toBe(40_000);
  });

  it('permits a call while closed, refuses it during the cool-down, and permits the probe once the cool-down ran out', async () => {
    expect(registry.permitsCall('dynamodb_cache')).toBe(true);
    await openCache();
    expect(registry.permitsCall('dynamodb_cache')).toBe(false);
    jest.advanceTimersByTime(59_999);
    expect(registry.permitsCall('dynamodb_cache')).toBe(false);
    jest.advanceTimersByTime(1);
    // Still OPEN: cockatiel only half-opens when a call comes, so a layer reading the state would never probe.
    expect(registry.state('dynamodb_cache')).toBe('OPEN');
    expect(registry.permitsCall('dynamodb_cache')).toBe(true);
    let finishProbe!: (value: string) => void;
    const probe = registry.execute('dynamodb_cache', () => new Promise<string>((resolve) => (finishProbe = resolve)));
    expect(registry.permitsCall('dynamodb_cache')).toBe(false);
    finishProbe('ok');
    await probe;
    expect(registry.permitsCall('dynamodb_cache')).toBe(true);
  });

  it('lets exactly one probe through after the cool-down and closes when it succeeds', async () => {
    await openCache();
    jest.advanceTimersByTime(60_000);
    let finishProbe!: (value: string) => void;
    const probe = registry.execute('dynamodb_cache', () => new Promise<string>((resolve) => (finishProbe = resolve)));
    const second = jest.fn(() => Promise.resolve('second'));

    expect(registry.state('dynamodb_cache')).toBe('HALF_OPEN');
    expect(await metric('circuit_breaker_state')).toContain('circuit_breaker_state{name="dynamodb_cache"} 2');
    await expect(registry.execute('dynamodb_cache', second)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(second).not.toHaveBeenCalled();

    finishProbe('probe');
    await expect(probe).resolves.toBe('probe');
    expect(registry.state('dynamodb_cache')).toBe('CLOSED');
    expect(await metric('circuit_breaker_state')).toContain('circuit_breaker_state{name="dynamodb_cache"} 0');
  });

  it('re-opens for another full cool-down when the probe fails', async () => {
    await openCache();
    jest.advanceTimersByTime(60_000);
    await fail('dynamodb_cache');
    expect(registry.state('dynamodb_cache')).toBe('OPEN');
    expect(registry.remainingCoolDownMs('dynamodb_cache')).toBe(60_000);
    expect(await metric('circuit_breaker_open_total')).toContain('circuit_breaker_open_total{name="dynamodb_cache"} 2');
  });

  it('uses the configured policy of each breaker', async () => {
    const custom = new CircuitBreakerRegistry(
      testSettings({
        CIRCUIT_TIINGO_FAILURE_THRESHOLD: '1',
        CIRCUIT_TIINGO_HALF_OPEN_AFTER_MS: '1000',
        CIRCUIT_DYNAMODB_MINIMUM_CALLS: '2',
        CIRCUIT_DYNAMODB_FAILURE_RATE: '0.9',
      }),
      new MetricsRegistry(),
      fakeLogger(),
    );
    await custom.execute('tiingo', () => Promise.reject(outage())).catch(() => undefined);
    expect(custom.state('tiingo')).toBe('OPEN');
    expect(custom.remainingCoolDownMs('tiingo')).toBe(1000);
    await custom.execute('dynamodb', () => Promise.reject(outage())).catch(() => undefined);
    expect(custom.state('dynamodb')).toBe('CLOSED');
    await custom.execute('dynamodb', () => Promise.reject(outage())).catch(() => undefined);
    expect(custom.state('dynamodb')).toBe('OPEN');
  });
});
