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
import { AdminOnly, type AuthenticatedUser, CurrentUser } from '../common/auth/auth.decorators';
import { ListedTickerPipe } from './dto/listed-ticker.pipe';
import { resolveOhlcSpan } from './dto/ohlc-span';
import { ApiOhlcQuery, type OhlcQuery, OhlcQueryPipe } from './dto/ohlc.query';
import { answerHeaders, OHLC_CONTENT_TYPE, OhlcResponse, serializeOhlcResponse } from './dto/ohlc.responses';
import { TickerParamPipe } from './dto/ticker-param.pipe';
import { MarketCalendar } from '../market-calendar/market-calendar';
import { Clock } from '../resilience/clock';
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
    private readonly clock: Clock,
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
  @ApiBadRequestResponse({
    description:
      'VALIDATION_FAILED: bad ticker, resolution, range or dates, end_date after today (ET), or span too long; ' +
      'INVALID_TICKER: not an active symbol of the ticker list (details: symbol, reason, successor_symbol)',
  })
  @ApiNotFoundResponse({ description: 'TICKER_NOT_FOUND: the providers do not know the ticker (remembered for an hour)' })
  @ApiTooManyRequestsResponse({
    description:
      'RATE_LIMITED: the user used up their upstream allowance (details: limit, window; Retry-After); ' +
      'THROTTLED: every provider is throttled and nothing is cached',
  })
  @ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: every provider is down and nothing is cached' })
  @ApiOhlcQuery()
  async candles(
    @Param('ticker', ListedTickerPipe) ticker: string,
    @Query(OhlcQueryPipe) query: OhlcQuery,
    @CurrentUser() user: AuthenticatedUser,
    @Res() res: Response,
  ): Promise<void> {
    const span = resolveOhlcSpan(query, this.calendar);
    const candleQuery = { ticker, resolution: query.resolution, span, userId: user.sub };
    const answer = await this.ohlc.candles(candleQuery);
    const result = await this.live.apply(candleQuery, answer);
    for (const [name, value] of Object.entries(answerHeaders(result, this.clock.now()))) res.setHeader(name, value);
    // A memory hit's bytes, unless live bars were laid over its candles; otherwise serialized now.
    const body = (result === answer ? result.body : undefined) ?? serializeOhlcResponse(ticker, query.resolution, span, result);
    res.setHeader('Content-Type', OHLC_CONTENT_TYPE);
    res.send(body);
  }

  @Delete(':ticker/ohlc/cache')
  @AdminOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Admin: forget every cached candle of the ticker on every layer and instance (others within 5 s)',
    description: 'Answers at once, whatever the size: the invalidation epoch is bumped first and the stored items are purged in the background.',
  })
  @ApiNoContentResponse({ description: 'Cache invalidated' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: the token lacks the admin role' })
  @ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: DynamoDB could not record the invalidation' })
  async clearCache(@Param('ticker', TickerParamPipe) ticker: string): Promise<void> {
    await this.ohlc.invalidate(ticker);
  }
}
