import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../common/auth/auth.decorators';
import { LiveResponse } from './dto/health.responses';
import { ReadinessCache } from './readiness.cache';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessCache) {}

  @Get('live')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness: 200 while the process runs' })
  @ApiOkResponse({ type: LiveResponse })
  live(): LiveResponse {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness: 200 when every DynamoDB table and the S3 bucket answer, 503 otherwise',
    description:
      'Answered from a result at most HEALTH_READY_CACHE_MS (default 2 s) old; the AWS checks run at most once per ' +
      'interval whatever the probe rate. Each check is `up` or `down` with at most the error name.',
  })
  @ApiServiceUnavailableResponse({ description: 'A table or the bucket did not answer (terminus body, check names up/down)' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    const { ready, body } = await this.readiness.current();
    // Load balancers and on-call read terminus' per-dependency body, so it is kept as is.
    if (!ready) res.status(503).setHeader('Retry-After', '5');
    return body;
  }
}
