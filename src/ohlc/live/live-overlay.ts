import { Injectable } from '@nestjs/common';
import { MarketCalendar } from '../market-calendar';
import type { OhlcResult } from '../ohlc.model';
import type { DateSpan, Resolution } from '../ohlc.types';
import { overlay } from './live-bars';
import { LiveBarsRepository } from './live-bars.repository';

/**
 * Keeps the OHLC route consistent with the stream: an intraday answer that covers today gets the
 * live bars (read strongly consistent, wherever they were polled) laid over it, so the route never
 * shows a bar older than one a stream already delivered. Without a live item (nobody watches) or
 * when it cannot be read, the answer is left as it was.
 */
@Injectable()
export class LiveOverlay {
  constructor(
    private readonly repository: LiveBarsRepository,
    private readonly calendar: MarketCalendar,
  ) {}

  async apply(ticker: string, resolution: Resolution, span: DateSpan, result: OhlcResult): Promise<OhlcResult> {
    if (resolution === 'D') return result;
    const today = this.calendar.marketToday();
    if (span.start > today || span.end < today || !this.calendar.isTradingDay(today)) return result;
    const record = await this.repository.read({ ticker, resolution, date: today }).catch(() => undefined);
    if (!record || record.bars.length === 0) return result;
    return { ...result, candles: overlay(result.candles, record.bars) };
  }
}
