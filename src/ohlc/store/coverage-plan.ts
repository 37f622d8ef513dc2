import type { DateSpan } from '../candle.model';
import type { CoverageRecord } from './ohlc-cache.items';

/** How long a fetch of a still-open session (today's) counts as covering it. */
export const OPEN_SESSION_VALIDITY_MS = 5 * 60_000;
/** TTL of candles and coverage of closed sessions: they never change. */
export const CLOSED_SESSION_TTL_SECONDS = 90 * 24 * 3600;
export const OPEN_SESSION_TTL_SECONDS = OPEN_SESSION_VALIDITY_MS / 1000;

/** A session is covered when fetched after it closed, or fetched less than 5 minutes ago. */
export function isCoverageValid(record: CoverageRecord, nowMs: number): boolean {
  return record.complete || nowMs - record.fetchedAt < OPEN_SESSION_VALIDITY_MS;
}

/**
 * Whether a fetch may vouch for `day` for good: the session had closed, and the fetch returned a
 * candle for it or for a later session (`lastCandleDay`, the newest session with a candle). End-of-day
 * bars appear some time after the close, so a closed session with nothing at or after it may
 * simply not be published yet; a hole before returned data is real (a thinly traded ticker).
 */
export function isSessionComplete(day: string, sessionClosed: boolean, lastCandleDay: string | undefined): boolean {
  return sessionClosed && lastCandleDay !== undefined && day <= lastCandleDay;
}

export function expiresAtSeconds(sessionClosed: boolean, fetchedAtMs: number): number {
  return Math.floor(fetchedAtMs / 1000) + (sessionClosed ? CLOSED_SESSION_TTL_SECONDS : OPEN_SESSION_TTL_SECONDS);
}

/**
 * Contiguous runs of missing trading days (`tradingDays` oldest first): days are contiguous when
 * adjacent in the trading-day list, so a weekend or holiday never splits a gap into two calls.
 */
export function missingRuns(tradingDays: readonly string[], covered: ReadonlySet<string>): DateSpan[] {
  const runs: DateSpan[] = [];
  let start: string | undefined;
  let end: string | undefined;
  for (const day of tradingDays) {
    if (covered.has(day)) {
      if (start !== undefined && end !== undefined) runs.push({ start, end });
      start = end = undefined;
    } else {
      start ??= day;
      end = day;
    }
  }
  if (start !== undefined && end !== undefined) runs.push({ start, end });
  return runs;
}

/** Provider calls one request may make for its gaps: more gaps are fetched as a few covering spans. */
export const MAX_GAP_FETCHES = 3;

/**
 * At most `max` spans covering every run: the runs are joined across all but the `max - 1` widest
 * cached stretches between them. A covering span re-fetches the cached sessions inside it, which
 * costs bytes, not quota: one call instead of hundreds (5 years over alternating coverage).
 */
export function coveringSpans(runs: readonly DateSpan[], tradingDays: readonly string[], max = MAX_GAP_FETCHES): DateSpan[] {
  if (runs.length <= max) return [...runs];
  const index = new Map(tradingDays.map((day, i) => [day, i]));
  const position = (day: string): number => index.get(day) ?? 0;
  const separators = runs.slice(1).map((run, i) => ({ after: i, width: position(run.start) - position(runs[i].end) }));
  const cuts = new Set(
    separators
      .sort((a, b) => b.width - a.width || a.after - b.after)
      .slice(0, max - 1)
      .map((separator) => separator.after),
  );
  const spans: DateSpan[] = [];
  let start = runs[0].start;
  runs.forEach((run, i) => {
    if (!cuts.has(i) && i < runs.length - 1) return;
    spans.push({ start, end: run.end });
    if (i + 1 < runs.length) start = runs[i + 1].start;
  });
  return spans;
}
