import { coveringSpans, expiresAtSeconds, isCoverageValid, isSessionComplete, missingRuns, OPEN_SESSION_VALIDITY_MS } from './coverage-plan';

describe(missingRuns.name, () => {
  const days = ['2026-11-19', '2026-11-20', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-27'];

  it('groups missing trading days into contiguous runs, across weekends and holidays', () => {
    expect(missingRuns(days, new Set(['2026-11-24']))).toEqual([
      { start: '2026-11-19', end: '2026-11-23' },
      { start: '2026-11-25', end: '2026-11-27' },
    ]);
  });

  it('has no run when everything is covered and one run when nothing is', () => {
    expect(missingRuns(days, new Set(days))).toEqual([]);
    expect(missingRuns(days, new Set())).toEqual([{ start: '2026-11-19', end: '2026-11-27' }]);
  });
});

describe(isCoverageValid.name, () => {
  const fetchedAt = Date.parse('2026-11-20T15:00:00Z');
  const record = { date: '2026-11-20', fetchedAt, source: 'tiingo' as const, epoch: 0 };

  it('keeps a complete session forever and an open one for 5 minutes', () => {
    expect(isCoverageValid({ ...record, complete: true }, fetchedAt + 90 * 86_400_000)).toBe(true);
    expect(isCoverageValid({ ...record, complete: false }, fetchedAt + OPEN_SESSION_VALIDITY_MS - 1)).toBe(true);
    expect(isCoverageValid({ ...record, complete: false }, fetchedAt + OPEN_SESSION_VALIDITY_MS)).toBe(false);
  });
});

describe(expiresAtSeconds.name, () => {
  it('expires closed sessions after 90 days and open ones after 5 minutes', () => {
    const fetchedAt = Date.parse('2026-11-20T15:00:00Z');
    expect(expiresAtSeconds(true, fetchedAt)).toBe(fetchedAt / 1000 + 90 * 86_400);
    expect(expiresAtSeconds(false, fetchedAt)).toBe(fetchedAt / 1000 + 300);
  });
});

describe(isSessionComplete.name, () => {
  it('vouches for a closed session only when the fetch returned its candle or a later one', () => {
    expect(isSessionComplete('2026-11-27', true, '2026-11-27')).toBe(true);
    // A hole before returned data is real (nobody traded); it does not come back later.
    expect(isSessionComplete('2026-11-24', true, '2026-11-27')).toBe(true);
    // Nothing at or after it: the end-of-day bar may just not be published yet.
    expect(isSessionComplete('2026-11-30', true, '2026-11-27')).toBe(false);
    expect(isSessionComplete('2026-11-30', true, undefined)).toBe(false);
    expect(isSessionComplete('2026-11-30', false, '2026-11-30')).toBe(false);
  });
});

describe(coveringSpans.name, () => {
  const days = Array.from({ length: 1200 }, (_, i) => `d${String(i).padStart(4, '0')}`);
  const alternating = days.flatMap((day, i) => (i % 2 === 0 ? [{ start: day, end: day }] : []));

  it('keeps up to 3 gaps as they are', () => {
    const runs = alternating.slice(0, 3);
    expect(coveringSpans(runs, days)).toEqual(runs);
  });

  it('joins 600 gaps into at most 3 spans that cover every one of them', () => {
    const spans = coveringSpans(alternating, days);

    expect(alternating).toHaveLength(600);
    expect(spans.length).toBeLessThanOrEqual(3);
    expect(spans[0].start).toBe(alternating[0].start);
    expect(spans.at(-1)?.end).toBe(alternating.at(-1)?.end);
    for (const run of alternating) expect(spans.some((span) => span.start <= run.start && run.end <= span.end)).toBe(true);
  });

  it('splits at the widest cached stretches', () => {
    const runs = [
      { start: days[0], end: days[0] },
      { start: days[2], end: days[2] },
      { start: days[100], end: days[100] },
      { start: days[102], end: days[102] },
      { start: days[500], end: days[500] },
    ];
    expect(coveringSpans(runs, days, 3)).toEqual([
      { start: days[0], end: days[2] },
      { start: days[100], end: days[102] },
      { start: days[500], end: days[500] },
    ]);
  });
});
