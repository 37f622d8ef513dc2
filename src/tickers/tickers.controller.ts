import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { SearchTickersQuery, ValidateTickerQuery } from './dto/ticker.queries';
import {
  TickerSearchResponse,
  TickerValidationResponse,
  toTickerSummary,
  toTickerValidation,
} from './dto/ticker.responses';
import { TickerCacheService } from './ticker-cache.service';

@ApiTags('tickers')
@Public()
@Controller('api/v2/tickers')
export class TickersController {
  constructor(private readonly tickers: TickerCacheService) {}

  @Get('search')
  @ApiOperation({ summary: 'Active symbols: exact symbol first, then symbol prefix, then name substring' })
  @ApiOkResponse({ type: TickerSearchResponse })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: q not 1-50 chars or limit not 1-20' })
  search(@Query() query: SearchTickersQuery): TickerSearchResponse {
    return { results: this.tickers.search(query.q, query.limit).map(toTickerSummary) };
  }

  @Get('validate')
  @ApiOperation({ summary: 'Whether a symbol is valid, delisted (with its successor) or unknown' })
  @ApiOkResponse({ type: TickerValidationResponse })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: symbol missing or longer than 20 chars' })
  validate(@Query() query: ValidateTickerQuery): TickerValidationResponse {
    const symbol = query.symbol.toUpperCase();
    return toTickerValidation(symbol, this.tickers.lookup(symbol));
  }
}
