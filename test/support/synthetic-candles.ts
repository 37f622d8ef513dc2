/**
 * Deterministic synthetic prices for the market-data simulator. A price path P(ticker, instant)
 * gives each bar its open (P at bar start) and close (P at bar end), so consecutive bars connect,
 * every resolution agrees at shared instants and a daily candle opens and closes where the
 * intraday bars of that session do — whichever provider serves it.
 */
export interface SyntheticCandle {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const DAY_MS = 86_400_000;
const CYCLE_MS = 90 * DAY_MS;

/** 32-bit FNV-1a: tiny, fast and stable across platforms. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Uniform number in [0, 1) derived from the parts. */
function unit(...parts: Array<string | number>): number {
  return fnv1a(parts.join('|')) / 2 ** 32;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Each ticker gets a base price between 10 and 510 and a slow cycle so charts look like charts. */
export function priceAt(ticker: string, instantMs: number): number {
  const base = 10 + unit('base', ticker) * 500;
  const phase = unit('phase', ticker) * 2 * Math.PI;
  const trend = 1 + 0.08 * Math.sin((2 * Math.PI * instantMs) / CYCLE_MS + phase);
  const noise = 1 + 0.02 * (unit('tick', ticker, instantMs) - 0.5);
  return round2(base * trend * noise);
}

/** A candle spanning [startMs, endMs); `label` separates candles of different resolutions starting together. */
export function syntheticCandle(ticker: string, startMs: number, endMs: number, label: string): SyntheticCandle {
  const symbol = ticker.toUpperCase();
  const open = priceAt(symbol, startMs);
  const close = priceAt(symbol, endMs);
  const minutes = Math.max(1, Math.round((endMs - startMs) / 60_000));
  // Rounding is monotonic, so widening before rounding keeps high ≥ max(open, close) and low ≤ min.
  const high = round2(Math.max(open, close) * (1 + 0.01 * unit('high', symbol, label, startMs)));
  const low = round2(Math.min(open, close) * (1 - 0.01 * unit('low', symbol, label, startMs)));
  const volume = 100 + Math.floor(unit('volume', symbol, label, startMs) * 5_000 * minutes);
  return { open, high, low, close, volume };
}
