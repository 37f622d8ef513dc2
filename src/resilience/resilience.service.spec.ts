import type { PinoLogger } from 'nestjs-pino';
import { testSettings } from '../../test/support/test-settings';
import { DependencyThrottledError, DependencyTimeoutError, DependencyUnavailableError } from '../common/errors/dependency.errors';
import { RequestContexts } from '../common/http/request-context';
import { MetricsRegistry } from '../observability/metrics.registry';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { ResilienceService } from './resilience.service';

const settings = testSettings();

const awsError = (name: string, httpStatusCode: number): Error =>
  Object.assign(new Error(`${name} (SDK text)`), { name, $metadata: { httpStatusCode } });

function fakeLogger(): PinoLogger & { warn: jest.Mock } {
  return { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() } as unknown as PinoLogger & {
    warn: jest.Mock;
  };
}

/** A deadline on the fake clock (AbortSignal.timeout would run on the real one). */
function deadlineIn(ms: number): { signal: AbortSignal; deadlineAt: number } {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('deadline')), ms);
  return { signal: controller.signal, deadlineAt: Date.now() + ms };
}

/** An operation that fails with the given errors in turn, then succeeds; records when it ran. */
function scripted(...failures: Error[]): jest.Mock<Promise<string>, [AbortSignal]> & { calledAt: number[] } {
  const calledAt: number[] = [];
  const fn = jest.fn((_signal: AbortSignal) => {
    calledAt.push(Date.now());
    const failure = failures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve('ok');
  });
  return Object.assign(fn, { calledAt });
}

describe(ResilienceService.name, () => {
  let metrics: MetricsRegistry;
  let logger: ReturnType<typeof fakeLogger>;
  let breakers: CircuitBreakerRegistry;
  let service: ResilienceService;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') });
    metrics = new MetricsRegistry();
    logger = fakeLogger();
    breakers = new CircuitBreakerRegistry(settings, metrics, fakeLogger());
    service = new ResilienceService(settings, breakers, metrics, logger);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  /** Runs the call on the fake clock until it settles; returns its value or error and when it settled. */
  async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
    let outcome: { value?: T; error?: unknown; at: number } | undefined;
    promise.then(
      (value) => (outcome = { value, at: Date.now() }),
      (error: unknown) => (outcome = { error, at: Date.now() }),
    );
    // Step timer by timer so the clock stops where the call ended, not at the last pending timer.
    for (let step = 0; outcome === undefined && step < 1000; step++) await jest.advanceTimersToNextTimerAsync();
    if (outcome === undefined) throw new Error('The call never settled');
    return outcome;
  }

  it('retries a ThrottlingException, succeeds, and logs and counts the retry', async () => {
    const operation = scripted(awsError('ThrottlingException', 400));
    const deadline = deadlineIn(5000);

    const { value } = await settle(
      RequestContexts.run({ requestId: 'req-42', deadline: deadline.signal, deadlineAt: deadline.deadlineAt }, () =>
        service.execute('dynamodb', operation),
      ),
    );

    expect(value).toBe('ok');
    expect(operation).toHaveBeenCalledTimes(2);
    expect(operation.mock.calls[0][0]).toBe(deadline.signal);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ request_id: 'req-42', dependency: 'dynamodb', attempt: 1, error_name: 'ThrottlingException' }),
      'retrying dependency call',
    );
    expect(await metrics.registry.getSingleMetricAsString('dependency_retries_total')).toContain(
      'dependency_retries_total{dependency="dynamodb"} 1',
    );
  });

  it.each(['ValidationException', 'ConditionalCheckFailedException'])('does not retry %s and rethrows it unchanged', async (name) => {
    const failure = awsError(name, 400);
    const operation = scripted(failure);

    const { error } = await settle(service.execute('dynamodb', operation, { deadline: deadlineIn(5000) }));

    expect(error).toBe(failure);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it.each([0, 0.5, 0.999])('makes at most 3 calls to a provider, 0.25–0.5 s then 0.5–1 s apart (jitter %s), then answers THROTTLED', async (random) => {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    const operation = scripted(...Array.from({ length: 5 }, () => awsError('ThrottlingException', 400)));
    const { error } = await settle(service.execute('tiingo', operation, { deadline: deadlineIn(5000) }));

    expect(operation).toHaveBeenCalledTimes(3);
    const [first, second, third] = operation.calledAt;
    expect(second - first).toBeGreaterThanOrEqual(250);
    expect(second - first).toBeLessThanOrEqual(500);
    expect(third - second).toBeGreaterThanOrEqual(500);
    expect(third - second).toBeLessThanOrEqual(1000);
    expect(error).toBeInstanceOf(DependencyThrottledError);
    expect(error).toMatchObject({ retryAfterSeconds: 2, details: { dependency: 'tiingo' } });
  });

  it.each([0, 0.999])('gives the system of record 4 calls whose waits (1.75–3.5 s) outlast a 1.5 s blip (jitter %s)', async (random) => {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    const operation = scripted(...Array.from({ length: 3 }, () => awsError('InternalServerError', 500)));
    const { value } = await settle(service.execute('dynamodb', operation, { deadline: deadlineIn(5000) }));

    expect(value).toBe('ok');
    expect(operation).toHaveBeenCalledTimes(4);
    const waited = operation.calledAt[3] - operation.calledAt[0];
    expect(waited).toBeGreaterThanOrEqual(1750);
    expect(waited).toBeLessThanOrEqual(3500);
    expect(breakers.state('dynamodb')).toBe('CLOSED');
  });

  it('records one breaker outcome per logical call, not one per attempt', async () => {
    const failingCall = () =>
      settle(service.execute('dynamodb_cache', scripted(...Array.from({ length: 3 }, () => awsError('InternalServerError', 500))), { deadline: deadlineIn(5000) }));
    const first = await failingCall();

    expect(first.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryAfterSeconds: 5, details: { dependency: 'dynamodb' } });
    expect(breakers.state('dynamodb_cache')).toBe('CLOSED');
    await failingCall();
    expect(breakers.state('dynamodb_cache')).toBe('CLOSED');
    await failingCall();
    expect(breakers.state('dynamodb_cache')).toBe('OPEN');
  });

  it.each<[string, Error]>([
    ['a DNS failure', Object.assign(new Error('getaddrinfo ENOTFOUND dynamodb.invalid'), { code: 'ENOTFOUND' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a failed credential refresh', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })],
  ])('retries %s and answers DEPENDENCY_UNAVAILABLE with Retry-After, never the raw error', async (_label, failure) => {
    const operation = scripted(...Array.from({ length: 4 }, () => failure));
    const { error } = await settle(service.execute('dynamodb', operation, { deadline: deadlineIn(5000) }));

    expect(operation).toHaveBeenCalledTimes(4);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryAfterSeconds: 5, details: { dependency: 'dynamodb' } });
  });

  it('does not count a timeout against the breaker when the request had spent its budget before the call', async () => {
    const hung = () => new Promise<string>(() => undefined);
    for (let i = 0; i < 5; i++) {
      // 300 ms left of the request's budget when the call starts (a slow body, a lock wait).
      const { error } = await settle(service.execute('dynamodb_cache', hung, { deadline: deadlineIn(300) }));
      expect(error).toBeInstanceOf(DependencyTimeoutError);
    }
    expect(breakers.state('dynamodb_cache')).toBe('CLOSED');
    for (let i = 0; i < 3; i++) await settle(service.execute('dynamodb_cache', hung, { deadline: deadlineIn(3000) }));
    expect(breakers.state('dynamodb_cache')).toBe('OPEN');
  });

  it('does not let background work that outruns its own budget open the breaker, but counts the outages it meets', async () => {
    const hung = () => new Promise<string>(() => undefined);
    const background = (ms: number) => ({ ...deadlineIn(ms), background: true });
    for (let i = 0; i < 5; i++) {
      // A burst of write-behinds queued behind each other: each one runs out of its 15 s budget.
      const { error } = await settle(service.execute('dynamodb_cache', hung, { deadline: background(15_000) }));
      expect(error).toBeInstanceOf(DependencyTimeoutError);
    }
    expect(breakers.state('dynamodb_cache')).toBe('CLOSED');

    const outage = () => scripted(...Array.from({ length: 2 }, () => awsError('InternalServerError', 500)));
    for (let i = 0; i < 3; i++) await settle(service.execute('dynamodb_cache', outage(), { deadline: background(15_000) }));
    expect(breakers.state('dynamodb_cache')).toBe('OPEN');
  });

  it('answers THROTTLED after one call, with the dependency\'s Retry-After, when the caller asks not to retry throttling', async () => {
    const operation = scripted(Object.assign(new Error('429'), { status: 429, retryAfterSeconds: 40 }), awsError('ThrottlingException', 400));

    const { error } = await settle(service.execute('tiingo', operation, { deadline: deadlineIn(5000), retryThrottled: false }));

    expect(operation).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(DependencyThrottledError);
    expect(error).toMatchObject({ retryAfterSeconds: 40 });
  });

  it('stops retrying when the next wait would pass the deadline, reporting the last failure', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const operation = scripted(...Array.from({ length: 5 }, () => awsError('InternalServerError', 500)));
    const start = Date.now();

    const { error, at } = await settle(service.execute('tiingo', operation, { deadline: deadlineIn(800) }));

    expect(operation).toHaveBeenCalledTimes(2);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(at - start).toBeLessThan(800);
  });

  it('answers DEPENDENCY_TIMEOUT at the deadline when the dependency never answers', async () => {
    const start = Date.now();
    const hung = jest.fn(() => new Promise<string>(() => undefined));

    const { error, at } = await settle(service.execute('s3', hung, { deadline: deadlineIn(500) }));

    expect(error).toBeInstanceOf(DependencyTimeoutError);
    expect(error).toMatchObject({ details: { dependency: 's3' } });
    expect(at - start).toBe(500);
    expect(hung).toHaveBeenCalledTimes(1);
  });

  it('answers the outage (503), not a timeout, when the deadline cuts off a retry of it', async () => {
    let calls = 0;
    const failsThenHangs = jest.fn((_signal: AbortSignal) =>
      ++calls === 1 ? Promise.reject(Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' })) : new Promise<string>(() => undefined),
    );
    const { error } = await settle(service.execute('dynamodb', failsThenHangs, { deadline: deadlineIn(2000) }));

    expect(failsThenHangs).toHaveBeenCalledTimes(2);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ retryAfterSeconds: 5, details: { dependency: 'dynamodb' } });
  });

  it('answers DEPENDENCY_UNAVAILABLE after retrying an outage that does not trip the breaker', async () => {
    const failures = Array.from({ length: 3 }, () => awsError('ServiceUnavailable', 503));
    const operation = scripted(...failures);

    const { error } = await settle(service.execute('tiingo', operation, { deadline: deadlineIn(5000) }));

    expect(operation).toHaveBeenCalledTimes(3);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ retryAfterSeconds: 5, details: { dependency: 'tiingo' }, cause: failures[2] });
  });

  it('fails fast while the breaker is open, with its remaining cool-down as Retry-After', async () => {
    for (let i = 0; i < 3; i++) {
      const outage = scripted(...Array.from({ length: 3 }, () => awsError('InternalServerError', 500)));
      await settle(service.execute('dynamodb_cache', outage, { deadline: deadlineIn(5000) }));
    }
    expect(breakers.state('dynamodb_cache')).toBe('OPEN');
    jest.advanceTimersByTime(20_500);
    const operation = scripted();

    const { error } = await settle(service.execute('dynamodb_cache', operation, { deadline: deadlineIn(5000) }));

    expect(operation).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ retryAfterSeconds: 40, details: { dependency: 'dynamodb' } });
  });

  it('stops retrying once other calls opened the breaker, answering with its cool-down', async () => {
    let callsSeen = 0;
    const operation = jest.fn(async (_signal: AbortSignal) => {
      callsSeen += 1;
      if (callsSeen === 1) {
        // While this call waits to retry, three others fail and open the breaker.
        for (let i = 0; i < 3; i++) await breakers.execute('dynamodb_cache', () => Promise.reject(awsError('InternalServerError', 500))).catch(() => undefined);
      }
      throw awsError('InternalServerError', 500);
    });
    const { error } = await settle(service.execute('dynamodb_cache', operation, { deadline: deadlineIn(5000) }));

    expect(operation).toHaveBeenCalledTimes(1);
    expect(error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryAfterSeconds: 60 });
  });

  it('uses the deadline of the current request when the caller passes none', async () => {
    const start = Date.now();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);

    const { error, at } = await settle(
      RequestContexts.run({ requestId: 'req-7', deadline: controller.signal, deadlineAt: start + 300 }, () =>
        service.execute('finnhub', () => new Promise<string>(() => undefined)),
      ),
    );

    expect(error).toBeInstanceOf(DependencyTimeoutError);
    expect(at - start).toBe(300);
  });
});
