import { minuteAttribute, quotaDay, secondsUntil, stateOf, windowSlot, windowSlots, worstState } from './quota-windows';

describe('quota windows', () => {
  const now = new Date('2026-11-22T14:05:42.123Z');

  it('names each window by its UTC start, so every instance counts in the same item', () => {
    expect(windowSlots([{ window: 'minute', limit: 60 }, { window: 'hour', limit: 50 }, { window: 'day', limit: 1000 }], now)).toEqual([
      expect.objectContaining({ sk: 'MINUTE#2026-11-22T14:05', resetsAt: new Date('2026-11-22T14:06:00Z') }),
      expect.objectContaining({ sk: 'HOUR#2026-11-22T14', resetsAt: new Date('2026-11-22T15:00:00Z') }),
      expect.objectContaining({ sk: 'DAY#2026-11-22', resetsAt: new Date('2026-11-23T00:00:00Z') }),
    ]);
  });

  it('counts every window of a moment in one attribute of that UTC day\'s item', () => {
    expect(windowSlots([{ window: 'minute', limit: 60 }, { window: 'hour', limit: 50 }, { window: 'day', limit: 1000 }], now).map((s) => s.attribute)).toEqual([
      'm1405', 'h14', 'day',
    ]);
    expect(quotaDay(now)).toEqual({ sk: 'USAGE#2026-11-22', expiresAt: Date.parse('2026-11-24T00:00:00Z') / 1000, minuteOfDay: 14 * 60 + 5 });
    expect(quotaDay(new Date('2026-12-31T23:59:59.999Z'))).toMatchObject({ sk: 'USAGE#2026-12-31', minuteOfDay: 1439 });
    expect(quotaDay(new Date('2027-01-01T00:00:00Z'))).toMatchObject({ sk: 'USAGE#2027-01-01', minuteOfDay: 0 });
    expect([0, 59, 60, 1439].map(minuteAttribute)).toEqual(['m0000', 'm0059', 'm0100', 'm2359']);
  });

  it('keeps a counter item until a day after its window ends', () => {
    expect(windowSlot({ window: 'hour', limit: 50 }, now).expiresAt).toBe(Date.parse('2026-11-23T15:00:00Z') / 1000);
  });

  it('moves to the next item exactly at the boundary', () => {
    expect(windowSlot({ window: 'hour', limit: 50 }, new Date('2026-11-22T14:59:59.999Z')).sk).toBe('HOUR#2026-11-22T14');
    expect(windowSlot({ window: 'hour', limit: 50 }, new Date('2026-11-22T15:00:00.000Z')).sk).toBe('HOUR#2026-11-22T15');
    expect(windowSlot({ window: 'day', limit: 5 }, new Date('2026-12-31T23:59:59.999Z')).sk).toBe('DAY#2026-12-31');
  });

  it('reports warning from 50 %, critical from 80 % and exhausted at the limit', () => {
    expect([0, 24, 25, 39, 40, 49, 50].map((used) => stateOf(used, 50))).toEqual([
      'ok', 'ok', 'warning', 'warning', 'critical', 'critical', 'exhausted',
    ]);
    expect(worstState(['ok', 'critical', 'warning'])).toBe('critical');
    expect(worstState([])).toBe('ok');
  });

  it('rounds the wait up to whole seconds and never below one', () => {
    expect(secondsUntil(new Date('2026-11-22T15:00:00Z'), now)).toBe(3258);
    expect(secondsUntil(now, now)).toBe(1);
  });
});
