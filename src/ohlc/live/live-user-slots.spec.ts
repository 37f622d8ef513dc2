import type { PinoLogger } from 'nestjs-pino';
import { testSettings } from '../../../test/support/test-settings';
import { DependencyUnavailableError } from '../../common/errors';
import type { Admission, LiveUserSlotsRepository, UserStreams } from './live-user-slots.repository';
import { LiveUserSlots, SLOT_TTL_MS } from './live-user-slots';
import { LiveStreamLimitError } from './live.errors';

/** The slots item of one user as DynamoDB would keep it, with the revision check. */
class FakeSlots {
  rev = 0;
  streams: Record<string, number> = {};
  failure: Error | undefined;
  inFlight = 0;
  maxInFlight = 0;
  async read(): Promise<UserStreams> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // A real read takes a round trip: let the other opens start theirs meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    if (this.failure) throw this.failure;
    return { rev: this.rev, streams: { ...this.streams } };
  }
  async admit(_user: string, admission: Admission): Promise<boolean> {
    if (admission.seenRev !== this.rev) return false;
    for (const id of admission.expired) delete this.streams[id];
    this.streams[admission.streamId] = admission.until;
    this.rev++;
    return true;
  }
  async renew(): Promise<void> {}
  async remove(_user: string, id: string): Promise<void> {
    delete this.streams[id];
  }
}

describe(LiveUserSlots.name, () => {
  let repository: FakeSlots;
  let slots: LiveUserSlots;

  beforeEach(() => {
    repository = new FakeSlots();
    slots = new LiveUserSlots(repository as unknown as LiveUserSlotsRepository, testSettings({ OHLC_LIVE_MAX_STREAMS_PER_USER: '2' }), { warn: jest.fn() } as unknown as PinoLogger);
  });

  it('admits up to the limit, wherever the other streams are open, and frees a slot on release', async () => {
    repository.streams = { 'elsewhere': Date.now() + SLOT_TTL_MS };
    repository.rev = 1;
    const mine = await slots.acquire('u1');
    await expect(slots.acquire('u1')).rejects.toBeInstanceOf(LiveStreamLimitError);
    await slots.release('u1', mine);
    await expect(slots.acquire('u1')).resolves.toEqual(expect.any(String));
  });

  it('stops counting the streams of an instance that no longer renews them', async () => {
    repository.streams = { a: Date.now() - 1, b: Date.now() - 1 };
    repository.rev = 2;
    await slots.acquire('u1');
    expect(Object.keys(repository.streams)).toHaveLength(1);
  });

  it('admits on the local count while the slots item cannot be read', async () => {
    repository.failure = new DependencyUnavailableError('dynamodb', 5);
    await expect(slots.acquire('u1')).resolves.toEqual(expect.any(String));
  });

  it('keeps a burst of opens to a few slot calls at a time, and admits every one of them', async () => {
    slots = new LiveUserSlots(repository as unknown as LiveUserSlotsRepository, testSettings({ OHLC_LIVE_MAX_STREAMS_PER_USER: '500' }), { warn: jest.fn() } as unknown as PinoLogger);
    // Independent users in reality; one fake item here, so the optimistic retries are exercised too.
    const opened = await Promise.all(Array.from({ length: 200 }, () => slots.acquire('u1')));
    expect(new Set(opened).size).toBe(200);
    expect(Object.keys(repository.streams)).toHaveLength(200);
    expect(repository.maxInFlight).toBeLessThanOrEqual(16);
  });
});
