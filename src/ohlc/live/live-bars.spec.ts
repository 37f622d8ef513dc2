import type { Candle } from '../candle.model';
import { changesSince, cursorAfter, overlay, START_CURSOR } from './live-bars';

const MIN = 60_000;
const OPEN = Date.parse('2026-11-30T14:30:00.000Z');
const bar = (minute: number, close: number): Candle => ({
  time: new Date(OPEN + minute * MIN).toISOString(), open: 10, high: 12, low: 9, close, volume: 100 + minute,
});
const at = (polledMinute: number) => ({ resolutionMs: MIN, closeMs: OPEN + 390 * MIN, polledAt: OPEN + polledMinute * MIN });

describe('live bar changes', () => {
  it('sends the forming bar, then finalises it once when the next one starts', () => {
    const first = changesSince(START_CURSOR, [bar(0, 10.5)], at(0.5));
    expect(first.events).toMatchObject([{ close: 10.5, final: false }]);

    const same = changesSince(first.cursor, [bar(0, 10.5)], at(0.75));
    expect(same.events).toEqual([]);

    const next = changesSince(same.cursor, [bar(0, 10.7), bar(1, 10.8)], at(1.25));
    expect(next.events.map((e) => [e.date, e.close, e.final])).toEqual([
      [bar(0, 0).time, 10.7, true],
      [bar(1, 0).time, 10.8, false],
    ]);

    // The provider corrects a finished bar: the client already has it as final, nothing is resent.
    const corrected = changesSince(next.cursor, [bar(0, 99), bar(1, 10.8)], at(1.5));
    expect(corrected.events).toEqual([]);
  });

  it('marks the last bar of an early-close session final at the close, not an interval later', () => {
    const hour = { resolutionMs: 60 * MIN, closeMs: OPEN + 210 * MIN, polledAt: OPEN + 211 * MIN };
    const lastBar = { ...bar(180, 11), time: new Date(OPEN + 180 * MIN).toISOString() };
    expect(changesSince(START_CURSOR, [lastBar], hour).events).toMatchObject([{ final: true }]);
  });

  it('continues after a snapshot without repeating its bars', () => {
    const cursor = cursorAfter([bar(0, 10), bar(1, 11)]);
    const { events } = changesSince(cursor, [bar(0, 10), bar(1, 11), bar(2, 12)], at(2.5));
    expect(events.map((e) => [e.close, e.final])).toEqual([[11, true], [12, false]]);
  });

  it('lays live bars over an older copy, oldest first', () => {
    expect(overlay([bar(0, 1), bar(1, 1)], [bar(1, 2), bar(2, 3)]).map((b) => b.close)).toEqual([1, 2, 3]);
  });
});
