import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { CircuitBreakerRegistry } from '../resilience/circuit-breaker.registry';
import { CircuitsResponse } from './dto/circuits.response';

@ApiTags('operations')
@Public()
@Controller('health')
export class CircuitsController {
  constructor(private readonly breakers: CircuitBreakerRegistry) {}

  @Get('circuits')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'State of every circuit breaker',
    description:
      '`dynamodb` guards the system of record (configurations, quota), `dynamodb_cache` the OHLC cache layer. ' +
      'An OPEN breaker fails calls at once with 503 DEPENDENCY_UNAVAILABLE (the cache layer is bypassed instead) ' +
      'until its cool-down ends; the next call is then let through as a single probe (HALF_OPEN) that closes or re-opens it.',
  })
  @ApiOkResponse({ type: CircuitsResponse })
  circuits(): CircuitsResponse {
    return { circuits: this.breakers.states() };
  }
}
