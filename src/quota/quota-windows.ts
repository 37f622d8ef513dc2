import type { QuotaWindowLimit, QuotaWindowUnit } from '../config/settings';

export type QuotaState = 'ok' | 'warning' | 'critical' | 'exhausted';

/** Share of a window's limit from which usage is reported as `warning` / `critical`. */
export const WARNING_RATIO = 0.5;
export const CRITICAL_RATIO = 0.8;

/** Counter items outlive their window by a day so an operator can still see yesterday's counts. */
const TTL_GRACE_SECONDS = 86_400;

const UNIT_MS: Record<QuotaWindowUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** One window of one service as it stands at a given instant: which item counts it and when it ends. */
export interface QuotaWindowSlot {
  readonly window: QuotaWindowUnit;
  readonly limit: number;
  /** Identity of the window instance, e.g. `HOUR#2026-11-22T14` (UTC): a new one starts a new count. */
  readonly sk: string;
  /** Attribute of the service's day item that counts this window: `day`, `h14`, `m1430`. */
  readonly attribute: string;
  readonly resetsAt: Date;
  /** Epoch seconds for the table's TTL attribute. */
  readonly expiresAt: number;
}

/** Windows are aligned to UTC boundaries, so every instance agrees on the same counter item. */
export function windowStart(unit: QuotaWindowUnit, now: Date): Date {
  const ms = now.getTime();
  return new Date(ms - (((ms % UNIT_MS[unit]) + UNIT_MS[unit]) % UNIT_MS[unit]));
}

export function windowSortKey(unit: QuotaWindowUnit, now: Date): string {
  const iso = windowStart(unit, now).toISOString();
  switch (unit) {
    case 'minute':
      return `MINUTE#${iso.slice(0, 16)}`;
    case 'hour':
      return `HOUR#${iso.slice(0, 13)}`;
    case 'day':
      return `DAY#${iso.slice(0, 10)}`;
    default: {
      const unhandled: never = unit;
      throw new Error(`Unknown quota window ${String(unhandled)}`);
    }
  }
}

/** Every window of a reservation lies inside one UTC day, so one item per service and day counts them all. */
export function windowAttribute(unit: QuotaWindowUnit, now: Date): string {
  const iso = windowStart(unit, now).toISOString();
  switch (unit) {
    case 'minute':
      return `m${iso.slice(11, 13)}${iso.slice(14, 16)}`;
    case 'hour':
      return `h${iso.slice(11, 13)}`;
    case 'day':
      return 'day';
    default: {
      const unhandled: never = unit;
      throw new Error(`Unknown quota window ${String(unhandled)}`);
    }
  }
}

export function windowSlot({ window, limit }: QuotaWindowLimit, now: Date): QuotaWindowSlot {
  const resetsAt = new Date(windowStart(window, now).getTime() + UNIT_MS[window]);
  return {
    window,
    limit,
    sk: windowSortKey(window, now),
    attribute: windowAttribute(window, now),
    resetsAt,
    expiresAt: Math.floor(resetsAt.getTime() / 1000) + TTL_GRACE_SECONDS,
  };
}

/** The day item of a reservation made at `now`: its sort key, its TTL, and the minute of the day. */
export interface QuotaDay {
  /** `USAGE#2026-11-22`; a new prefix, so the per-window items of earlier versions are never read. */
  readonly sk: string;
  readonly expiresAt: number;
  readonly minuteOfDay: number;
}

export function quotaDay(now: Date): QuotaDay {
  const start = windowStart('day', now);
  return {
    sk: `USAGE#${start.toISOString().slice(0, 10)}`,
    expiresAt: Math.floor((start.getTime() + UNIT_MS.day) / 1000) + TTL_GRACE_SECONDS,
    minuteOfDay: Math.floor((now.getTime() - start.getTime()) / UNIT_MS.minute),
  };
}

/** Attribute of the day item that counts the minute window starting `minuteOfDay` minutes after midnight UTC. */
export function minuteAttribute(minuteOfDay: number): string {
  const hh = String(Math.floor(minuteOfDay / 60)).padStart(2, '0');
  const mm = String(minuteOfDay % 60).padStart(2, '0');
  return `m${hh}${mm}`;
}

export function windowSlots(windows: readonly QuotaWindowLimit[], now: Date): QuotaWindowSlot[] {
  return windows.map((w) => windowSlot(w, now));
}

/** Whole seconds until `at`, at least 1 so a client never retries immediately. */
export function secondsUntil(at: Date, now: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
}

export function stateOf(used: number, limit: number): QuotaState {
  if (used >= limit) return 'exhausted';
  if (used >= limit * CRITICAL_RATIO) return 'critical';
  if (used >= limit * WARNING_RATIO) return 'warning';
  return 'ok';
}

const SEVERITY: Record<QuotaState, number> = { ok: 0, warning: 1, critical: 2, exhausted: 3 };

export function worstState(states: readonly QuotaState[]): QuotaState {
  return states.reduce<QuotaState>((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), 'ok');
}

export function isWorse(state: QuotaState, than: QuotaState): boolean {
  return SEVERITY[state] > SEVERITY[than];
}
