import type { PinoLogger } from 'nestjs-pino';
import type { Clock } from '../../resilience/clock';
import type { CandleStore } from './candle-store';
import { TickerControls, UNKNOWN_TICKER_TTL_MS } from './ticker-controls';

const NOW = Date.parse('2026-11-30T22:00:00Z');

function controlsWith(store: Partial<CandleStore>, now = () => NOW) {
  const clock = { now: () => new Date(now()) } as Clock;
  const logger = { warn: jest.fn() } as unknown as PinoLogger;
  return new TickerControls({ usable: () => true, ...store } as CandleStore, clock, logger);
}

describe(TickerControls.name, () => {
  it('reads a ticker\'s control once for concurrent requests and trusts it for a while', async () => {
    const readControl = jest.fn().mockResolvedValue({ epoch: 3, unknownUntil: 0 });
    const controls = controlsWith({ readControl });

    const read = await Promise.all([controls.current('AAPL'), controls.current('AAPL')]);
    await controls.current('AAPL');

    expect(read).toEqual([{ epoch: 3, unknownUntil: 0 }, { epoch: 3, unknownUntil: 0 }]);
    expect(readControl).toHaveBeenCalledTimes(1);
  });

  it('never moves an epoch it bumped itself back because of a read that started earlier', async () => {
    const controls = controlsWith({ readControl: jest.fn().mockResolvedValue({ epoch: 1, unknownUntil: 0 }) });

    controls.invalidated('AAPL', 2);
    await controls.fresh('AAPL');

    expect(controls.latestEpoch('AAPL')).toBe(2);
  });

  it('remembers a provider 404 for an hour even when DynamoDB cannot store it, and forgets it on invalidation', async () => {
    let now = NOW;
    const controls = controlsWith({ markUnknown: jest.fn().mockRejectedValue(new Error('down')) }, () => now);

    await controls.markUnknown('DOW');
    const soon = controls.isUnknown('DOW', undefined);
    now += UNKNOWN_TICKER_TTL_MS;
    const anHourLater = controls.isUnknown('DOW', undefined);
    now = NOW;
    controls.invalidated('DOW', 1);

    expect([soon, anHourLater, controls.isUnknown('DOW', undefined)]).toEqual([true, false, false]);
  });
});
