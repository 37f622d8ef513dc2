import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { type AuthenticatedUser, CurrentUser } from '../../common/auth/auth.decorators';
import { ListedTickerPipe } from '../dto/listed-ticker.pipe';
import { LiveStreamQuery } from './live-stream.query';
import { LiveStreams } from './live-streams.service';
import { SseSink } from './sse-sink';

const STREAM_DESCRIPTION = [
  "Server-sent events of today's session:",
  '`snapshot` (data: the body of GET …/ohlc for today), then',
  '`bar` ({date, open, high, low, close, volume, final}) each time the forming bar changes or a new bar starts (`final`: its interval has passed),',
  '`notice` ({reason: "quota" | "quota_recovered", poll_seconds, message}) when polls slow down for quota or recover,',
  'a `: keep-alive` comment at least every 15 s, and `end` ({reason: "market_closed" | "shutdown"}) after the close.',
  'Outside market hours: the snapshot, then `end`.',
  'Errors before the stream starts use the usual JSON envelope.',
].join(' ');

@ApiTags('ohlc')
@ApiBearerAuth()
@ApiParam({ name: 'ticker', description: 'Symbol; trimmed and upper-cased, 1-5 letters', example: 'AAPL' })
@Controller('api/v2/tickers')
export class LiveStreamController {
  constructor(private readonly streams: LiveStreams) {}

  @Get(':ticker/ohlc/stream')
  @ApiOperation({ summary: "Live intraday candles of today's session (text/event-stream)", description: STREAM_DESCRIPTION })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: STREAM_DESCRIPTION, content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiBadRequestResponse({
    description:
      'VALIDATION_FAILED: bad ticker or resolution (1, 5, 15, 30, 60); ' +
      'INVALID_TICKER: not an active symbol of the ticker list (details: symbol, reason, successor_symbol)',
  })
  @ApiNotFoundResponse({ description: 'TICKER_NOT_FOUND: the providers do not know the ticker (remembered for an hour)' })
  @ApiTooManyRequestsResponse({
    description:
      'RATE_LIMITED: the user already has OHLC_LIVE_MAX_STREAMS_PER_USER open streams (details: limit, window "open_streams"), ' +
      'or the snapshot needed a provider call past the upstream allowance (details: limit, window "hour"; Retry-After)',
  })
  @ApiServiceUnavailableResponse({ description: 'DEPENDENCY_UNAVAILABLE: this instance holds its maximum of streams (live-streams), or no provider answered the snapshot' })
  async stream(
    @Param('ticker', ListedTickerPipe) ticker: string,
    @Query() query: LiveStreamQuery,
    @CurrentUser() user: AuthenticatedUser,
    @Res() res: Response,
  ): Promise<void> {
    await this.streams.open({ userId: user.sub, ticker, resolution: query.resolution }, new SseSink(res));
  }
}
