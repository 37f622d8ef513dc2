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

    it.each(['2025-01-09', '2018-12-05', '2012-10-29', '2012-10-30'])('closes on the one-off closure %s', (date) => {
      expect(calendar.isTradingDay(date)).toBe(false);
      expect(calendar.session(date)).toBeNull();
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
