import { Injectable } from '@nestjs/common';
import { MarketCalendar } from '../market-calendar';
import { OhlcClock } from '../ohlc-clock';
import type { OhlcResult } from '../ohlc.model';
import type { DateSpan, Resolution } from '../ohlc.types';
import { overlay } from './live-bars';
import { LiveBarsRepository } from './live-bars.repository';

const OVERLAY_BUDGET_MS = 500;

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
    private readonly clock: OhlcClock,
  ) {}

  async apply(ticker: string, resolution: Resolution, span: DateSpan, result: OhlcResult): Promise<OhlcResult> {
    if (resolution === 'D') return result;
    const today = this.calendar.marketToday();
    const session = span.start <= today && span.end >= today ? this.calendar.session(today) : null;
    if (!session || this.clock.now().getTime() < Date.parse(session.open)) return result;
    // A short budget of its own: a struggling DynamoDB must not hold up an answer we already have.
    const record = await this.repository.read({ ticker, resolution, date: today }, OVERLAY_BUDGET_MS).catch(() => undefined);
    if (!record || record.bars.length === 0) return result;
    return { ...result, candles: overlay(result.candles, record.bars) };
  }
}
