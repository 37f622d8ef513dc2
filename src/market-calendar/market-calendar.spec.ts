import { IntradayResolution, MarketCalendar } from './market-calendar';

// 2026-11-22T03:00Z is 22:00 on Saturday 2026-11-21 in New York.
const fixedClock = (): Date => new Date('2026-11-22T03:00:00Z');

function closedDays(calendar: MarketCalendar, year: number): string[] {
  const closed: string[] = [];
  for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += 86_400_000) {
    const date = new Date(ms).toISOString().slice(0, 10);
    const weekday = new Date(ms).getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !calendar.isTradingDay(date)) closed.push(date);
  }
  return closed;
}

function earlyCloses(calendar: MarketCalendar, year: number): string[] {
  return calendar.tradingDays(`${year}-01-01`, `${year}-12-31`).filter((date) => calendar.session(date)?.earlyClose);
}

describe(MarketCalendar.name, () => {
  const calendar = new MarketCalendar(fixedClock);

  describe('holidays', () => {
    it('closes on the 2026 NYSE holidays, Independence Day observed on Friday July 3', () => {
      expect(closedDays(calendar, 2026)).toEqual([
        '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25',
        '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25',
      ]);
    });

    it('closes on the 2027 NYSE holidays with Saturday holidays observed on Friday', () => {
      expect(closedDays(calendar, 2027)).toEqual([
        '2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31',
        '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24',
      ]);
    });

    it('trades on 2027-12-31 because a Saturday New Year (2028) is not observed', () => {
      expect(calendar.isTradingDay('2027-12-31')).toBe(true);
      expect(calendar.session('2027-12-31')?.earlyClose).toBe(false);
    });

    it('observes a Sunday New Year on Monday and has no Juneteenth before 2022', () => {
      expect(calendar.holidayName('2023-01-02')).toBe("New Year's Day");
      expect(calendar.isTradingDay('2021-06-18')).toBe(true);
      expect(calendar.isTradingDay('2022-06-20')).toBe(false);
    });

    it.each([
      '2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2004-06-11', '2007-01-02',
      '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09',
    ])('closes on the one-off closure %s', (date) => {
      expect(calendar.isTradingDay(date)).toBe(false);
      expect(calendar.session(date)).toBeNull();
      expect(calendar.holidayName(date)).toEqual(expect.any(String));
    });

    it('trades on the days around the one-off closures', () => {
      expect(calendar.tradingDays('2001-09-10', '2001-09-17')).toEqual(['2001-09-10', '2001-09-17']);
      expect(calendar.tradingDays('2004-06-10', '2004-06-14')).toEqual(['2004-06-10', '2004-06-14']);
      // 2007-01-01 is New Year's Day itself, so Ford's funeral made a four-day weekend.
      expect(calendar.tradingDays('2006-12-29', '2007-01-03')).toEqual(['2006-12-29', '2007-01-03']);
      expect(calendar.tradingDays('2012-10-26', '2012-10-31')).toEqual(['2012-10-26', '2012-10-31']);
      expect(calendar.tradingDays('2018-12-04', '2018-12-06')).toEqual(['2018-12-04', '2018-12-06']);
      expect(calendar.tradingDays('2025-01-08', '2025-01-10')).toEqual(['2025-01-08', '2025-01-10']);
    });

    // Literals from NYSE's published calendars (2022–2024, 2025–2027 and 2026–2028 announcements).
    it.each([
      [2024, ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25']],
      [2025, ['2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25']],
      [2028, ['2028-01-17', '2028-02-21', '2028-04-14', '2028-05-29', '2028-06-19', '2028-07-04', '2028-09-04', '2028-11-23', '2028-12-25']],
    ])('closes on the %i NYSE holidays as published', (year, expected) => {
      expect(closedDays(calendar, year)).toEqual(expected);
    });

    it('computes Good Friday from Easter', () => {
      expect(calendar.holidayName('2025-04-18')).toBe('Good Friday');
      expect(calendar.holidayName('2024-03-29')).toBe('Good Friday');
    });
  });

  describe('early closes', () => {
    it('closes early on 2025-07-03, the day after Thanksgiving and Christmas Eve', () => {
      expect(earlyCloses(calendar, 2025)).toEqual(['2025-07-03', '2025-11-28', '2025-12-24']);
    });

    it('has no July 3 early close in 2026 because July 3 is the observed holiday', () => {
      expect(earlyCloses(calendar, 2026)).toEqual(['2026-11-27', '2026-12-24']);
    });

    it('has only the day after Thanksgiving in 2027 (Christmas Eve is the holiday, 07-02 is a full day)', () => {
      expect(earlyCloses(calendar, 2027)).toEqual(['2027-11-26']);
      expect(calendar.session('2027-07-02')?.earlyClose).toBe(false);
    });

    it.each([
      [2024, ['2024-07-03', '2024-11-29', '2024-12-24']],
      [2028, ['2028-07-03', '2028-11-24']],
    ])('closes early in %i exactly on the published dates', (year, expected) => {
      expect(earlyCloses(calendar, year)).toEqual(expected);
    });

    it.each(['2028-07-03', '2023-07-03', '2017-07-03'])('closes early at 13:00 ET on July 3 when it is a Monday (%s)', (date) => {
      expect(calendar.isTradingDay(date)).toBe(true);
      expect(calendar.session(date)).toMatchObject({ earlyClose: true, close: `${date}T17:00:00.000Z` });
    });

    it.each(['2018-12-24', '2029-12-24'])('closes early at 13:00 ET on a Monday Christmas Eve (%s)', (date) => {
      expect(calendar.isTradingDay(date)).toBe(true);
      expect(calendar.session(date)).toMatchObject({ earlyClose: true, close: `${date}T18:00:00.000Z` });
      expect(calendar.barsForSession(date, 30)).toHaveLength(7);
    });

    it('ends an early session at 13:00 New York time', () => {
      expect(calendar.session('2026-11-27')).toEqual({
        date: '2026-11-27', open: '2026-11-27T14:30:00.000Z', close: '2026-11-27T18:00:00.000Z', earlyClose: true,
      });
    });
  });

  describe('sessions', () => {
    it('converts 09:30–16:00 New York to UTC across daylight saving time', () => {
      expect(calendar.session('2026-07-01')).toMatchObject({ open: '2026-07-01T13:30:00.000Z', close: '2026-07-01T20:00:00.000Z' });
      expect(calendar.session('2026-11-20')).toMatchObject({ open: '2026-11-20T14:30:00.000Z', close: '2026-11-20T21:00:00.000Z' });
    });

    // 2026: EDT from Sunday March 8, EST again from Sunday November 1.
    it.each([
      ['2026-03-06', '2026-03-06T14:30:00.000Z', '2026-03-06T21:00:00.000Z'],
      ['2026-03-09', '2026-03-09T13:30:00.000Z', '2026-03-09T20:00:00.000Z'],
      ['2026-10-30', '2026-10-30T13:30:00.000Z', '2026-10-30T20:00:00.000Z'],
      ['2026-11-02', '2026-11-02T14:30:00.000Z', '2026-11-02T21:00:00.000Z'],
      ['2028-03-10', '2028-03-10T14:30:00.000Z', '2028-03-10T21:00:00.000Z'],
      ['2028-03-13', '2028-03-13T13:30:00.000Z', '2028-03-13T20:00:00.000Z'],
    ])('keeps 09:30–16:00 New York time on %s, next to a DST switch', (date, open, close) => {
      expect(calendar.session(date)).toEqual({ date, open, close, earlyClose: false });
      expect(calendar.barsForSession(date, 60)[0]).toBe(open);
      expect(calendar.barsForSession(date, 1)).toHaveLength(390);
    });

    it('has no session on the DST switch Sundays and dates them in New York', () => {
      expect(calendar.session('2026-03-08')).toBeNull();
      expect(calendar.session('2026-11-01')).toBeNull();
      // 04:30Z on 2026-03-08 is 23:30 EST on the 7th; 04:30Z on 2026-03-09 is 00:30 EDT on the 9th.
      expect(calendar.marketDateOf(new Date('2026-03-08T04:30:00Z'))).toBe('2026-03-07');
      expect(calendar.marketDateOf(new Date('2026-03-09T04:30:00Z'))).toBe('2026-03-09');
      expect(calendar.tradingDays('2026-03-06', '2026-03-09')).toEqual(['2026-03-06', '2026-03-09']);
    });

    it('lists trading days inclusively, skipping weekends and holidays', () => {
      expect(calendar.tradingDays('2026-11-25', '2026-11-30')).toEqual(['2026-11-25', '2026-11-27', '2026-11-30']);
    });

    it('finds the last trading day on or before a date', () => {
      expect(calendar.lastTradingDayOnOrBefore('2026-11-20')).toBe('2026-11-20');
      expect(calendar.lastTradingDayOnOrBefore('2026-11-22')).toBe('2026-11-20');
      expect(calendar.lastTradingDayOnOrBefore('2026-04-05')).toBe('2026-04-02');
    });

    it('rejects malformed dates', () => {
      expect(() => calendar.isTradingDay('2026-02-30')).toThrow(RangeError);
      expect(() => calendar.session('20261120')).toThrow(RangeError);
    });

    it('reports a session closed only from its close onwards', () => {
      expect(calendar.isSessionClosed('2026-11-20', new Date('2026-11-20T20:59:59Z'))).toBe(false);
      expect(calendar.isSessionClosed('2026-11-20', new Date('2026-11-20T21:00:00Z'))).toBe(true);
      expect(calendar.isSessionClosed('2026-11-27', new Date('2026-11-27T18:00:00Z'))).toBe(true);
      expect(calendar.isSessionClosed('2026-11-26', new Date('2026-11-26T00:00:00Z'))).toBe(true);
      expect(calendar.isSessionClosed('2026-11-20')).toBe(true);
    });
  });

  describe('bars', () => {
    it.each<[IntradayResolution, number, number]>([
      [1, 390, 210], [5, 78, 42], [15, 26, 14], [30, 13, 7], [60, 7, 4],
    ])('has the right bar count at %i minutes for full and early sessions', (resolution, full, early) => {
      expect(calendar.barsForSession('2026-11-20', resolution)).toHaveLength(full);
      expect(calendar.barsForSession('2026-11-27', resolution)).toHaveLength(early);
    });

    it('anchors hourly bars at 09:30 with a partial last bar', () => {
      const bars = calendar.barsForSession('2026-11-20', 60);
      expect(bars[0]).toBe('2026-11-20T14:30:00.000Z');
      expect(bars.at(-1)).toBe('2026-11-20T20:30:00.000Z');
    });

    it('gives 78 + 0 + 42 five-minute bars over Thanksgiving week', () => {
      const counts = ['2026-11-25', '2026-11-26', '2026-11-27'].map((d) => calendar.barsForSession(d, 5).length);
      expect(counts).toEqual([78, 0, 42]);
    });
  });

  describe('today and presets', () => {
    it('takes today from the clock in New York, not from the host zone or UTC', () => {
      expect(calendar.marketToday()).toBe('2026-11-21');
    });

    it('keeps today right across New York midnight and both DST switches, on a clock moving either way', () => {
      let now = new Date('2026-03-08T04:59:59.999Z'); // 23:59:59.999 EST, Saturday 7 March
      const moving = new MarketCalendar(() => now);
      const at = (iso: string): string => {
        now = new Date(iso);
        return moving.marketToday();
      };
      expect(at('2026-03-08T04:59:59.999Z')).toBe('2026-03-07');
      expect(at('2026-03-08T05:00:00.000Z')).toBe('2026-03-08'); // midnight EST
      // 8 March lasts 23 hours (clocks jump at 02:00 EST): the next midnight is 04:00Z, EDT.
      expect(at('2026-03-09T03:59:59.999Z')).toBe('2026-03-08');
      expect(at('2026-03-09T04:00:00.000Z')).toBe('2026-03-09');
      expect(at('2026-03-08T12:00:00.000Z')).toBe('2026-03-08'); // back again
      // 1 November lasts 25 hours: midnight EDT is 04:00Z, the next one (EST) 05:00Z on the 2nd.
      expect(at('2026-11-01T03:59:59.999Z')).toBe('2026-10-31');
      expect(at('2026-11-01T04:00:00.000Z')).toBe('2026-11-01');
      expect(at('2026-11-02T04:59:59.999Z')).toBe('2026-11-01');
      expect(at('2026-11-02T05:00:00.000Z')).toBe('2026-11-02');
    });

    it('answers a remembered preset or session with a copy nobody can change', () => {
      const range = calendar.rangeForPreset('1M', '2026-11-20');
      range.start_date = '1999-01-01';
      expect(calendar.rangeForPreset('1M', '2026-11-20')).toEqual({ start_date: '2026-10-22', end_date: '2026-11-20' });
      expect(Object.isFrozen(calendar.session('2026-11-20'))).toBe(true);
    });

    it('ends presets at the market date, 1D at the last trading day', () => {
      expect(calendar.rangeForPreset('1D')).toEqual({ start_date: '2026-11-20', end_date: '2026-11-20' });
      expect(calendar.rangeForPreset('1W')).toEqual({ start_date: '2026-11-15', end_date: '2026-11-21' });
      expect(calendar.rangeForPreset('1M', '2026-11-20')).toEqual({ start_date: '2026-10-22', end_date: '2026-11-20' });
      expect(calendar.rangeForPreset('3M')).toEqual({ start_date: '2026-08-24', end_date: '2026-11-21' });
      expect(calendar.rangeForPreset('6M')).toEqual({ start_date: '2026-05-26', end_date: '2026-11-21' });
      expect(calendar.rangeForPreset('YTD')).toEqual({ start_date: '2026-01-01', end_date: '2026-11-21' });
      expect(calendar.rangeForPreset('1Y')).toEqual({ start_date: '2025-11-22', end_date: '2026-11-21' });
    });
  });
});
