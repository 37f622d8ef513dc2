import { MarketCalendar } from '../market-calendar/market-calendar';
import { mapBars, RawBar } from './candle-mapping';

const calendar = new MarketCalendar(() => new Date('2026-11-28T00:00:00Z'));
const bar = (at: RawBar['at'], extra: Partial<RawBar> = {}): RawBar => ({ at, open: 10, high: 11, low: 9, close: 10.5, volume: 1200, ...extra });

describe(mapBars.name, () => {
  it('keeps daily bars of trading days inside the span, oldest first, deduplicated', () => {
    const rows = [bar('2026-11-27T00:00:00.000Z'), bar('2026-11-26'), bar('2026-11-24'), bar('2026-11-24'), bar('2026-11-28'), bar('2026-11-20')];

    const { candles, malformed } = mapBars(rows, 'D', { start: '2026-11-23', end: '2026-11-27' }, calendar);

    expect(candles.map((c) => c.time)).toEqual(['2026-11-24', '2026-11-27']);
    expect(malformed).toBe(0);
  });

  it('turns null, missing, negative and fractional volumes into whole numbers', () => {
    const rows = [
      bar('2026-11-23', { volume: null }),
      bar('2026-11-24', { volume: undefined }),
      bar('2026-11-25', { volume: -3 }),
      bar('2026-11-27', { volume: 41.6 }),
    ];

    const { candles } = mapBars(rows, 'D', { start: '2026-11-23', end: '2026-11-27' }, calendar);

    expect(candles.map((c) => c.volume)).toEqual([0, 0, 0, 42]);
  });

  it('drops and counts rows with a non-finite price or no readable time instead of failing', () => {
    const rows = [bar('2026-11-23', { open: null }), bar('2026-11-24', { close: Number.NaN }), bar('not a date'), bar('2026-11-25', { high: '11' })];

    const { candles, malformed } = mapBars(rows, 'D', { start: '2026-11-23', end: '2026-11-27' }, calendar);

    expect(candles).toEqual([]);
    expect(malformed).toBe(4);
  });

  it('keeps intraday bars inside regular hours only, as UTC ISO timestamps', () => {
    const rows = [
      bar(Date.parse('2026-11-27T18:00:00Z')), // 13:00 ET: the early close, no bar starts there
      bar(Date.parse('2026-11-27T17:55:00Z')),
      bar(Date.parse('2026-11-25T14:25:00Z')), // pre-market
      bar('2026-11-25T14:30:00.000Z'),
      bar(Date.parse('2026-11-26T15:00:00Z')), // Thanksgiving
    ];

    const { candles } = mapBars(rows, '5', { start: '2026-11-25', end: '2026-11-27' }, calendar);

    expect(candles.map((c) => c.time)).toEqual(['2026-11-25T14:30:00.000Z', '2026-11-27T17:55:00.000Z']);
  });
});
