import type { PinoLogger } from 'nestjs-pino';
import { testSettings } from '../../../test/support/test-settings';
import { MetricsRegistry } from '../../observability/metrics.registry';
import type { Clock } from '../../resilience/clock';
import { MarketDataThrottledError } from '../../market-data/market-data.errors';
import type { MarketDataService } from '../../market-data/market-data.service';
import type { LiveKey, LiveRecord } from './live-bars.items';
import type { TickerControls } from '../store/ticker-controls';
import type { BarsWrite, LiveBarsRepository, PollClaim, Slowdown } from './live-bars.repository';
import { LivePoller } from './live-poller';
import { LiveMetrics } from './live.metrics';

const KEY: LiveKey = { ticker: 'AAPL', resolution: '1', date: '2026-11-30' };
const T0 = Date.parse('2026-11-30T15:00:03.000Z');
const GRID = Date.parse('2026-11-30T15:00:00.000Z');

class FakeRepository {
  claims: PollClaim[] = [];
  writes: BarsWrite[] = [];
  slowdowns: Slowdown[] = [];
  grant = true;
  async claimPoll(_key: LiveKey, claim: PollClaim): Promise<boolean> {
    this.claims.push(claim);
    return this.grant;
  }
  async writeBars(_key: LiveKey, write: BarsWrite): Promise<boolean> {
    this.writes.push(write);
    return true;
  }
  async setSlowdown(_key: LiveKey, change: Slowdown): Promise<boolean> {
    this.slowdowns.push(change);
    return true;
  }
}

const record = (overrides: Partial<LiveRecord>): LiveRecord => ({
  holder: 'me', leaseUntil: 0, nextPollAt: 0, slowdown: 1, slowUntil: 0, bars: [], polledAt: 0, writtenAt: 0, version: 1, epoch: 0, source: 'tiingo', ...overrides,
});

describe(LivePoller.name, () => {
  let now: number;
  let repository: FakeRepository;
  let fetch: jest.Mock;
  let poller: LivePoller;

  beforeEach(() => {
    now = T0;
    repository = new FakeRepository();
    fetch = jest.fn(async () => ({ source: 'tiingo', candles: [] }));
    const clock = { now: () => new Date(now) } as Clock;
    const logger = { warn: jest.fn() } as unknown as PinoLogger;
    poller = new LivePoller(
      repository as unknown as LiveBarsRepository,
      { fetch } as unknown as MarketDataService,
      { current: async () => ({ epoch: 3, unknownUntil: 0 }) } as unknown as TickerControls,
      clock,
      new LiveMetrics(new MetricsRegistry()),
      testSettings({ OHLC_LIVE_POLL_SECONDS: '15' }),
      logger,
    );
  });

  it('leaves the poll to a live holder and to the booked time', async () => {
    await poller.pollIfDue(KEY, 'me', record({ holder: 'other', leaseUntil: now + 1000 }));
    await poller.pollIfDue(KEY, 'me', record({ nextPollAt: now + 1 }));
    expect(repository.claims).toEqual([]);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('takes over an expired lease, books the next grid point and asks with the 80 % quota ceiling', async () => {
    await poller.pollIfDue(KEY, 'me', record({ holder: 'other', leaseUntil: now - 1 }));
    expect(repository.claims).toEqual([{ token: 'me', nowMs: now, leaseUntil: now + 22_500, nextPollAt: GRID + 15_000 }]);
    expect(fetch).toHaveBeenCalledWith('AAPL', '1', { start: '2026-11-30', end: '2026-11-30' }, { quotaCeilingRatio: 0.8 });
    // Stamped with the epoch of the poll, so bars asked before an admin DELETE are never shown after it.
    expect(repository.writes).toMatchObject([{ token: 'me', polledAt: now, epoch: 3 }]);
  });

  it('does not poll when another instance booked the interval first', async () => {
    repository.grant = false;
    await poller.pollIfDue(KEY, 'me', undefined);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('slows down when every provider refuses, keeps the pace until the window resets, and clears it after a success', async () => {
    fetch.mockRejectedValueOnce(new MarketDataThrottledError(60));
    await poller.pollIfDue(KEY, 'me', undefined);
    expect(repository.slowdowns).toEqual([{ token: 'me', slowdown: 2, slowUntil: now + 60_000, nextPollAt: GRID + 30_000 }]);

    now = GRID + 30_000;
    const slowed = record({ slowdown: 2, slowUntil: T0 + 60_000, nextPollAt: GRID + 30_000 });
    await poller.pollIfDue(KEY, 'me', slowed);
    expect(repository.claims.at(-1)).toMatchObject({ nextPollAt: GRID + 60_000 });
    expect(repository.slowdowns).toHaveLength(1);

    now = GRID + 75_000; // the refused window has reset: the normal pace again, then the slowdown is cleared
    await poller.pollIfDue(KEY, 'me', { ...slowed, nextPollAt: GRID + 60_000 });
    expect(repository.claims.at(-1)).toMatchObject({ nextPollAt: GRID + 90_000 });
    expect(repository.slowdowns.at(-1)).toEqual({ token: 'me', slowdown: 1, slowUntil: 0, nextPollAt: GRID + 90_000 });
  });
});
