import { ValidationFailedError } from '../../common/errors';
import { MarketCalendar } from '../../market-calendar/market-calendar';
import { resolveOhlcSpan } from './ohlc-span';
import type { OhlcQuery } from './ohlc.query';

const query = (fields: Partial<OhlcQuery>): OhlcQuery => ({ resolution: 'D', ...fields });
// 03:00Z on the 22nd is still the evening of the 21st in New York.
const calendar = new MarketCalendar(() => new Date('2026-11-22T03:00:00Z'));

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.errors.map((e) => e.field);
    throw error;
  }
  throw new Error('expected a ValidationFailedError');
}

describe(resolveOhlcSpan.name, () => {
  it('defaults to a 1M preset ending at today\'s New York date', () => {
    expect(resolveOhlcSpan(query({}), calendar)).toEqual({ start: '2026-10-23', end: '2026-11-21' });
  });

  it('accepts an end_date of today\'s market date', () => {
    expect(resolveOhlcSpan(query({ start_date: '2026-11-20', end_date: '2026-11-21' }), calendar)).toEqual({ start: '2026-11-20', end: '2026-11-21' });
  });

  it('uses explicit dates as given, including a span of exactly the maximum', () => {
    expect(resolveOhlcSpan(query({ resolution: '1', start_date: '2026-11-02', end_date: '2026-11-08' }), calendar)).toEqual({
      start: '2026-11-02',
      end: '2026-11-08',
    });
  });

  it.each<[string, Partial<OhlcQuery>, string]>([
    ['a span one day too long', { resolution: '5', start_date: '2026-10-01', end_date: '2026-10-31' }, 'end_date'],
    ['a preset longer than the resolution allows', { resolution: '1', range: '1M' }, 'range'],
    ['dates with a range', { range: '1W', start_date: '2026-11-02', end_date: '2026-11-03' }, 'range'],
    ['only one date', { start_date: '2026-11-02' }, 'end_date'],
    ['start after end', { start_date: '2026-11-03', end_date: '2026-11-02' }, 'start_date'],
    ['an impossible date', { start_date: '2026-11-31', end_date: '2026-12-01' }, 'start_date'],
    // Today in New York is still the 21st: the 22nd has no candles yet.
    ['an end_date after today\'s market date', { start_date: '2026-11-20', end_date: '2026-11-22' }, 'end_date'],
  ])('rejects %s', (_label, fields, field) => {
    expect(fieldsOf(() => resolveOhlcSpan(query(fields), calendar))).toContain(field);
  });
});
