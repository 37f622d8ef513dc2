import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/auth/auth.decorators';
import { AwsHealthIndicator } from '../infrastructure/aws-health.indicator';
import { LiveResponse } from './dto/health.responses';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly aws: AwsHealthIndicator,
  ) {}

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
  @ApiOperation({ summary: 'Readiness: 200 when every DynamoDB table and the S3 bucket answer, 503 otherwise' })
  @ApiServiceUnavailableResponse({ description: 'A table or the bucket did not answer (terminus body)' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([...this.aws.tableChecks(), this.aws.bucketCheck()]);
    } catch (error) {
      // Load balancers and on-call read terminus' per-dependency body, so it is kept as is.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503).setHeader('Retry-After', '5');
      return error.getResponse() as HealthCheckResult;
    }
  }
}
