import { FieldError, ValidationFailedError } from '../../common/errors';
import { daysBetween, isRealDate } from '../../market-calendar/calendar-dates';
import { MarketCalendar } from '../../market-calendar/market-calendar';
import { DateSpan, MAX_SPAN_DAYS } from '../candle.model';
import type { OhlcQuery } from './ohlc.query';

/**
 * The dates a query asks for: start_date/end_date as given, or a preset (default 1M) ending at
 * today's ET market date. Rules that involve several parameters live here, after checkOhlcQuery.
 * @throws ValidationFailedError with one entry per broken rule.
 */
export function resolveOhlcSpan(query: OhlcQuery, calendar: MarketCalendar): DateSpan {
  const errors: FieldError[] = [];
  const { start_date: start, end_date: end, range, resolution } = query;
  for (const [field, value] of [['start_date', start], ['end_date', end]] as const) {
    if (value !== undefined && !isRealDate(value)) errors.push({ field, message: `${field} must be a real date in YYYY-MM-DD format` });
  }
  if ((start === undefined) !== (end === undefined)) {
    errors.push({ field: start === undefined ? 'start_date' : 'end_date', message: 'start_date and end_date must be given together' });
  }
  if (range !== undefined && (start !== undefined || end !== undefined)) {
    errors.push({ field: 'range', message: 'range cannot be combined with start_date/end_date' });
  }
  if (errors.length > 0) throw new ValidationFailedError(errors);

  let span: DateSpan;
  if (start !== undefined && end !== undefined) {
    if (start > end) throw new ValidationFailedError([{ field: 'start_date', message: 'start_date must not be after end_date' }]);
    // Sessions after today have no candles yet: asking for them could only spend provider quota.
    if (end > calendar.marketToday()) throw new ValidationFailedError([{ field: 'end_date', message: 'end_date must not be after today\'s market date (America/New_York)' }]);
    span = { start, end };
  } else {
    const preset = calendar.rangeForPreset(range ?? '1M');
    span = { start: preset.start_date, end: preset.end_date };
  }

  const days = daysBetween(span.start, span.end) + 1;
  const maxDays = MAX_SPAN_DAYS[resolution];
  if (days > maxDays) {
    throw new ValidationFailedError([
      { field: range !== undefined || start === undefined ? 'range' : 'end_date', message: `resolution ${resolution} allows at most ${maxDays} days (got ${days})` },
    ]);
  }
  return span;
}
