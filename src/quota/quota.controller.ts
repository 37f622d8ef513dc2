import { Controller, Get, Header } from '@nestjs/common';
import {
  ApiBearerAuth, ApiExtraModels, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/auth.decorators';
import { QuotaOverviewResponse, QuotaServiceResponse, toQuotaOverview } from './dto/quota.responses';
import { QuotaService } from './quota.service';

@ApiTags('operations')
@ApiBearerAuth()
@ApiExtraModels(QuotaServiceResponse)
@Controller('api/v2/quota')
export class QuotaController {
  constructor(private readonly quota: QuotaService) {}

  @Get()
  @AdminOnly()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Current usage of every upstream quota window (admin)' })
  @ApiOkResponse({ type: QuotaOverviewResponse })
  @ApiUnauthorizedResponse({ description: 'Missing or invalid bearer token' })
  @ApiForbiddenResponse({ description: 'The token lacks the admin role' })
  async overview(): Promise<QuotaOverviewResponse> {
    return toQuotaOverview(await this.quota.usageOfAll());
  }
}
