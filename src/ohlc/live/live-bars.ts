import type { Candle } from '../candle.model';

/** A `bar` event of the stream (API.md): the bar's values and whether its interval has passed. */
export interface BarEvent {
  readonly date: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly final: boolean;
}

/** What one client has been told so far: its newest bar, as sent. Older bars never change for it. */
export interface Cursor {
  readonly time?: string;
  readonly signature?: string;
  readonly final: boolean;
}

export interface BarTiming {
  readonly resolutionMs: number;
  /** Epoch ms of the session's close: the last bar of a session ends there at the latest (early closes). */
  readonly closeMs: number;
  /** Epoch ms of the provider answer the bars come from. */
  readonly polledAt: number;
}

export const START_CURSOR: Cursor = { final: false };

const signatureOf = (bar: Candle): string => `${bar.open}|${bar.high}|${bar.low}|${bar.close}|${bar.volume}`;

/** Final once the provider answered after the bar's interval ended: it cannot change any more. */
export function isFinal(bar: Candle, timing: BarTiming): boolean {
  return Math.min(Date.parse(bar.time) + timing.resolutionMs, timing.closeMs) <= timing.polledAt;
}

/** The cursor of a client that was sent `bars` in its snapshot (whose finality it was not told). */
export function cursorAfter(bars: readonly Candle[]): Cursor {
  const last = bars.at(-1);
  return last ? { time: last.time, signature: signatureOf(last), final: false } : START_CURSOR;
}

/**
 * The events a client at `cursor` needs to catch up with `bars` (oldest first): its newest bar
 * again when it changed or became final, then every newer bar. A bar already sent as final is
 * never sent again, so no client sees a finished bar twice.
 */
export function changesSince(cursor: Cursor, bars: readonly Candle[], timing: BarTiming): { events: BarEvent[]; cursor: Cursor } {
  let start = bars.length;
  while (start > 0 && (cursor.time === undefined || bars[start - 1].time >= cursor.time)) start--;
  const events: BarEvent[] = [];
  let next = cursor;
  for (const bar of bars.slice(start)) {
    const final = isFinal(bar, timing);
    const signature = signatureOf(bar);
    if (bar.time === next.time && (next.final || (signature === next.signature && final === next.final))) continue;
    events.push({ date: bar.time, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: Math.round(bar.volume), final });
    next = { time: bar.time, signature, final };
  }
  return { events, cursor: next };
}

export const cursorKey = (cursor: Cursor): string => `${cursor.time ?? ''}|${cursor.signature ?? ''}|${cursor.final}`;

/** `base` (e.g. the OHLC route's answer) with the live bars laid over it: a live bar wins over an older copy. */
export function overlay(base: readonly Candle[], live: readonly Candle[]): Candle[] {
  if (live.length === 0) return [...base];
  const byTime = new Map(base.map((bar) => [bar.time, bar]));
  for (const bar of live) byTime.set(bar.time, bar);
  return [...byTime.values()].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
