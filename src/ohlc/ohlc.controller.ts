import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminOnly } from '../common/auth/auth.decorators';
import { resolveOhlcSpan } from './dto/ohlc-span';
import { OhlcQuery } from './dto/ohlc.query';
import { OhlcResponse, toOhlcResponse } from './dto/ohlc.responses';
import { TickerParamPipe } from './dto/ticker-param.pipe';
import { MarketCalendar } from './market-calendar';
import { OhlcClock } from './ohlc-clock';
import { LiveOverlay } from './live/live-overlay';
import { OhlcService } from './ohlc.service';

const CACHE_SOURCE_HEADER = {
  name: 'X-Cache-Source',
  description: 'Layer that answered: in-memory | dynamodb | tiingo | finnhub | stale',
};
const CACHE_AGE_HEADER = { name: 'X-Cache-Age', description: 'Whole seconds since the data was fetched upstream (oldest part)' };

@ApiTags('ohlc')
@ApiBearerAuth()
@ApiParam({ name: 'ticker', description: 'Symbol; trimmed and upper-cased, 1-5 letters', example: 'AAPL' })
@Controller('api/v2/tickers')
export class OhlcController {
  constructor(
    private readonly ohlc: OhlcService,
    private readonly calendar: MarketCalendar,
    private readonly clock: OhlcClock,
    private readonly live: LiveOverlay,
  ) {}

  @Get(':ticker/ohlc')
  @ApiOperation({ summary: 'OHLC candles of a ticker, oldest first, from the fastest layer holding a complete copy' })
  @ApiOkResponse({
    type: OhlcResponse,
    headers: {
      [CACHE_SOURCE_HEADER.name]: { description: CACHE_SOURCE_HEADER.description },
      [CACHE_AGE_HEADER.name]: { description: CACHE_AGE_HEADER.description },
      'Cache-Control': { description: 'no-store' },
    },
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: bad ticker, resolution, range or dates, or span too long' })
  @ApiNotFoundResponse({ description: 'TICKER_NOT_FOUND: the providers do not know the ticker' })
  @ApiTooManyRequestsResponse({ description: 'THROTTLED: every provider is throttled and nothing is cached' })
  @ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: every provider is down and nothing is cached' })
  async candles(
    @Param('ticker', TickerParamPipe) ticker: string,
    @Query() query: OhlcQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OhlcResponse> {
    const span = resolveOhlcSpan(query, this.calendar);
    const result = await this.live.apply(ticker, query.resolution, span, await this.ohlc.candles(ticker, query.resolution, span));
    const ageSeconds = Math.max(0, Math.floor((this.clock.now().getTime() - result.fetchedAt) / 1000));
    res.setHeader('X-Cache-Source', result.layer);
    res.setHeader('X-Cache-Age', String(ageSeconds));
    res.setHeader('Cache-Control', 'no-store');
    return toOhlcResponse(ticker, query.resolution, span, result);
  }

  @Delete(':ticker/ohlc/cache')
  @AdminOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Admin: forget every cached candle of the ticker on every layer and instance (others within 5 s)' })
  @ApiNoContentResponse({ description: 'Cache cleared' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: the token lacks the admin role' })
  @ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: DynamoDB could not be cleared' })
  async clearCache(@Param('ticker', TickerParamPipe) ticker: string): Promise<void> {
    await this.ohlc.invalidate(ticker);
  }
}
