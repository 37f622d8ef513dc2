import { Injectable, PipeTransform } from '@nestjs/common';
import { TickerCacheService } from '../../tickers/ticker-cache.service';
import { assertActiveTicker } from '../../tickers/tickers.errors';
import { TickerParamPipe } from './ticker-param.pipe';

/**
 * `{ticker}` of the candle routes: well-formed and an active symbol of the ticker list, checked
 * before any cache layer or provider is asked, so nobody can spend the shared provider quota on
 * symbols that do not exist (400 INVALID_TICKER, the same details as configurations).
 */
@Injectable()
export class ListedTickerPipe implements PipeTransform<unknown, string> {
  private readonly shape = new TickerParamPipe();

  constructor(private readonly tickers: TickerCacheService) {}

  transform(value: unknown): string {
    const ticker = this.shape.transform(value);
    assertActiveTicker(this.tickers.lookup(ticker), ticker);
    return ticker;
  }
}
