import { addDays, daysBetween, isoWeekday, isRealDate, yearOf } from './calendar-dates';

describe('calendar dates', () => {
  it('accepts real dates only, leap days included', () => {
    expect(['2026-01-31', '2024-02-29', '2000-02-29', '1999-12-31'].map(isRealDate)).toEqual([true, true, true, true]);
    expect(['2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-1-01', '20260101', ' 2026-01-01', ''].map(isRealDate)).toEqual([
      false, false, false, false, false, false, false, false, false,
    ]);
  });

  it('moves across month, year and leap-day boundaries whatever the host zone', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    // The US DST switches do not change calendar arithmetic.
    expect(addDays('2026-03-07', 2)).toBe('2026-03-09');
    expect(addDays('2026-11-20', -29)).toBe('2026-10-22');
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });

  it('counts whole days between dates', () => {
    expect(daysBetween('2026-11-20', '2026-11-20')).toBe(0);
    expect(daysBetween('2026-03-01', '2026-03-31')).toBe(30);
    expect(daysBetween('2021-11-20', '2026-11-20')).toBe(1826);
    expect(daysBetween('2026-11-21', '2026-11-20')).toBe(-1);
  });

  it('names ISO weekdays, Monday 1 to Sunday 7', () => {
    expect(['2026-11-23', '2026-11-27', '2026-11-28', '2026-11-29'].map(isoWeekday)).toEqual([1, 5, 6, 7]);
    expect(yearOf('2027-01-01')).toBe(2027);
  });
});
