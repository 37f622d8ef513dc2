import { Injectable } from '@nestjs/common';
import { MarketCalendar } from '../../market-calendar/market-calendar';
import { Clock } from '../../resilience/clock';
import type { OhlcResult } from '../candle.model';
import type { CandleQuery } from '../ohlc.service';
import { TickerControls } from '../store/ticker-controls';
import { overlay } from './live-bars';
import { LiveBarsRepository } from './live-bars.repository';

const OVERLAY_BUDGET_MS = 500;

/**
 * Keeps the OHLC route consistent with the stream: an intraday answer that covers today gets the
 * live bars (read strongly consistent, wherever they were polled) laid over it, so the route never
 * shows a bar older than one a stream already delivered. Without a live item (nobody watches) or
 * when it cannot be read, the answer is left as it was; so it is for bars polled before the
 * ticker's last invalidation (the admin DELETE forgets them with every other layer).
 */
@Injectable()
export class LiveOverlay {
  constructor(
    private readonly repository: LiveBarsRepository,
    private readonly calendar: MarketCalendar,
    private readonly clock: Clock,
    private readonly controls: TickerControls,
  ) {}

  async apply({ ticker, resolution, span }: CandleQuery, result: OhlcResult): Promise<OhlcResult> {
    if (resolution === 'D') return result;
    const today = this.calendar.marketToday();
    const session = span.start <= today && span.end >= today ? this.calendar.session(today) : null;
    if (!session || this.clock.now().getTime() < Date.parse(session.open)) return result;
    // A short budget of its own: a struggling DynamoDB must not hold up an answer we already have.
    const record = await this.repository.read({ ticker, resolution, date: today }, OVERLAY_BUDGET_MS).catch(() => undefined);
    if (!record || record.bars.length === 0 || !(await this.isCurrent(ticker, record.epoch))) return result;
    // Spelled out, not spread: the memoised body of the original candles must not come along.
    return { candles: overlay(result.candles, record.bars), source: result.source, fetchedAt: result.fetchedAt, layer: result.layer };
  }

  /** Bars of the ticker's current epoch; when the epoch cannot be read, as memory does, they count as current. */
  async isCurrent(ticker: string, epoch: number): Promise<boolean> {
    const control = await this.controls.current(ticker);
    return control === undefined || epoch >= control.epoch;
  }
}
