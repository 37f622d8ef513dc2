import { ApiProperty } from '@nestjs/swagger';
import type { CandleSet, OhlcResult } from '../candle.model';
import { RESOLUTIONS, type DateSpan, type MarketDataSource, type Resolution } from '../candle.model';

export class OhlcCandleResponse {
  @ApiProperty({ example: '2026-10-22', description: 'YYYY-MM-DD for D; UTC ISO timestamp of the bar start for intraday' })
  date!: string;

  @ApiProperty({ example: 187.12 })
  open!: number;

  @ApiProperty({ example: 189.4 })
  high!: number;

  @ApiProperty({ example: 186.75 })
  low!: number;

  @ApiProperty({ example: 188.9 })
  close!: number;

  @ApiProperty({ example: 51234567, type: 'integer', description: 'Never null; 0 when the provider had none' })
  volume!: number;
}

export class OhlcResponse {
  @ApiProperty({ example: 'AAPL' })
  ticker!: string;

  @ApiProperty({ enum: RESOLUTIONS, example: 'D' })
  resolution!: Resolution;

  @ApiProperty({ example: '2026-10-22' })
  start_date!: string;

  @ApiProperty({ example: '2026-11-20' })
  end_date!: string;

  @ApiProperty({ enum: ['tiingo', 'finnhub'], description: 'Provider that supplied the data (the most recent fetch when mixed)' })
  source!: MarketDataSource;

  @ApiProperty({ example: 21 })
  count!: number;

  @ApiProperty({ type: [OhlcCandleResponse], description: 'Oldest first' })
  candles!: OhlcCandleResponse[];
}

/** What express' `res.json` would send with it (no replacer, no spaces, UTF-8). */
export const OHLC_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Whitelists the response fields; nothing of a cache item leaks through. */
export function toOhlcResponse(ticker: string, resolution: Resolution, span: DateSpan, result: CandleSet): OhlcResponse {
  const candles = result.candles.map((c) => ({
    date: c.time,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: Math.round(c.volume),
  }));
  return { ticker, resolution, start_date: span.start, end_date: span.end, source: result.source, count: candles.length, candles };
}

/**
 * The bytes of an answer, the only way one is written: a fresh answer is serialized per request,
 * a memory entry keeps these bytes beside its candles, so a hit writes them without re-mapping.
 */
export function serializeOhlcResponse(ticker: string, resolution: Resolution, span: DateSpan, set: CandleSet): Buffer {
  const json = JSON.stringify(toOhlcResponse(ticker, resolution, span, set));
  // Its own memory, not a slice of Node's shared 64 KB pool (Buffer.from): a kept 1 KB answer
  // would keep the whole slab alive, 118 MB of buffers for 19 MB of answers after 10 000 keys.
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
  body.write(json);
  return body;
}

/** The one place an answer is labelled: which layer served it and how old its oldest part is. */
export function answerHeaders(result: OhlcResult, now: Date): Record<string, string> {
  const ageSeconds = Math.max(0, Math.floor((now.getTime() - result.fetchedAt) / 1000));
  return { 'X-Cache-Source': result.layer, 'X-Cache-Age': String(ageSeconds), 'Cache-Control': 'no-store' };
}
