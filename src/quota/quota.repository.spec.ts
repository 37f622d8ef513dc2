import { testSettings } from '../../test/support/test-settings';
import { DependencyThrottledError } from '../common/errors/dependency.errors';
import type { AwsClients } from '../infrastructure/aws-clients';
import type { ResilienceService } from '../resilience/resilience.service';
import { QuotaRepository } from './quota.repository';
import { windowSlots } from './quota-windows';

const settings = testSettings();
const table = settings.tables.quota;
const slots = windowSlots(
  [
    { window: 'hour', limit: 50 },
    { window: 'day', limit: 1000 },
  ],
  new Date('2026-11-22T14:05:00Z'),
);

/** Answers each BatchGet with the next scripted page; records when each was sent and which keys it asked for. */
function batchGetScript(pages: Array<{ items: Array<{ sk: string; used: number }>; unprocessed: string[] }>) {
  const sent: Array<{ at: number; keys: string[] }> = [];
  const send = jest.fn((command: { input: { RequestItems?: Record<string, { Keys?: Array<Record<string, unknown>> }> } }) => {
    const keys = (command.input.RequestItems?.[table]?.Keys ?? []).map((key) => String(key.sk));
    sent.push({ at: Date.now(), keys });
    const page = pages.shift() ?? { items: [], unprocessed: [] };
    return Promise.resolve({
      Responses: { [table]: page.items },
      UnprocessedKeys: page.unprocessed.length > 0 ? { [table]: { Keys: page.unprocessed.map((sk) => ({ pk: 'QUOTA#tiingo', sk })) } } : {},
    });
  });
  return { send, sent };
}

/** The resilience layer reduced to what the repository relies on: one call with a live signal. */
const passThrough = {
  execute: (_circuit: string, operation: (signal: AbortSignal) => Promise<unknown>) => operation(new AbortController().signal),
} as unknown as ResilienceService;

describe(QuotaRepository.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-22T14:05:00Z') }));
  afterEach(() => jest.useRealTimers());

  async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
    let outcome: { value?: T; error?: unknown } | undefined;
    promise.then(
      (value) => (outcome = { value }),
      (error: unknown) => (outcome = { error }),
    );
    for (let step = 0; outcome === undefined && step < 100; step++) await jest.advanceTimersToNextTimerAsync();
    if (outcome === undefined) throw new Error('The read never settled');
    return outcome;
  }

  it('re-sends unprocessed BatchGet keys after 100 ms, then 200 ms, asking only for those keys', async () => {
    const [hour, day] = slots.map((slot) => slot.sk);
    const script = batchGetScript([
      { items: [{ sk: hour, used: 3 }], unprocessed: [day] },
      { items: [], unprocessed: [day] },
      { items: [{ sk: day, used: 40 }], unprocessed: [] },
    ]);
    const repository = new QuotaRepository({ documents: { send: script.send } } as unknown as AwsClients, passThrough, settings);

    const { value } = await settle(repository.read('tiingo', slots));

    expect(value).toEqual([3, 40]);
    expect(script.sent.map((s) => s.keys)).toEqual([[hour, day], [day], [day]]);
    expect(script.sent[1].at - script.sent[0].at).toBe(100);
    expect(script.sent[2].at - script.sent[1].at).toBe(200);
  });

  it('answers THROTTLED after three re-sends that still left keys unprocessed', async () => {
    const unprocessed = { items: [], unprocessed: [slots[0].sk] };
    const script = batchGetScript(Array.from({ length: 10 }, () => unprocessed));
    const repository = new QuotaRepository({ documents: { send: script.send } } as unknown as AwsClients, passThrough, settings);

    const { error } = await settle(repository.read('tiingo', slots));

    expect(error).toBeInstanceOf(DependencyThrottledError);
    expect(script.sent).toHaveLength(4);
  });
});
