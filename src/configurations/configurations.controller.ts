import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Res, UseInterceptors } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser } from '../common/auth/auth.decorators';
import { TickerCacheService } from '../tickers/ticker-cache.service';
import { ConfigIdPipe } from './config-id.pipe';
import { Configuration, ConfigurationFields, etagOf, MAX_IF_MATCH_TAGS, parseIfMatch } from './configuration';
import { ConfigurationsService } from './configurations.service';
import { CREATE_OUTCOME_LOCAL, CreateAttemptInterceptor } from './create-attempt.interceptor';
import { toConfigurationResponse } from './dto/configuration.mapper';
import { CreateConfigurationRequest, UpdateConfigurationRequest } from './dto/configuration.requests';
import { ConfigurationListResponse, ConfigurationResponse } from './dto/configuration.responses';

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: `ETag(s) of the version being changed, or *; at most ${MAX_IF_MATCH_TAGS} tags (more → 400 VALIDATION_FAILED)`,
};

@ApiTags('configurations')
@ApiBearerAuth()
@Controller('api/v2/configurations')
export class ConfigurationsController {
  constructor(
    private readonly configurations: ConfigurationsService,
    private readonly tickers: TickerCacheService,
  ) {}

  @Post()
  @UseInterceptors(CreateAttemptInterceptor)
  @ApiOperation({ summary: 'Create a configuration; the per-user maximum holds under concurrency' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-64 chars; a repeat with the same body within 24 h returns the original' })
  @ApiCreatedResponse({ type: ConfigurationResponse, description: 'Location and ETag headers are set' })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateConfigurationRequest,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConfigurationResponse> {
    const fields: ConfigurationFields = {
      name: body.name,
      tickers: body.tickers,
      timeframeDays: body.timeframe_days,
      includeExtendedHours: body.include_extended_hours,
    };
    const outcome = await this.configurations.create(user.sub, fields, idempotencyKey);
    if (outcome.replayed) res.locals[CREATE_OUTCOME_LOCAL] = 'replay';
    res.setHeader('Location', `/api/v2/configurations/${outcome.configuration.configId}`);
    return this.respond(outcome.configuration, res);
  }

  @Get()
  @ApiOperation({ summary: "The caller's configurations, newest first" })
  @ApiOkResponse({ type: ConfigurationListResponse })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ConfigurationListResponse> {
    const configurations = await this.configurations.list(user.sub);
    return {
      configurations: configurations.map((config) => toConfigurationResponse(config, this.lookup)),
      max_allowed: this.configurations.maxAllowed,
    };
  }

  @Get(':config_id')
  @ApiOkResponse({ type: ConfigurationResponse, description: 'ETag header is set' })
  @ApiNotFoundResponse({ description: 'No such configuration for this user (or config_id is not a UUID)' })
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('config_id', ConfigIdPipe) configId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConfigurationResponse> {
    return this.respond(await this.configurations.get(user.sub, configId), res);
  }

  @Patch(':config_id')
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: ConfigurationResponse, description: 'The new ETag header is set' })
  @ApiNotFoundResponse()
  @ApiPreconditionFailedResponse({ description: 'If-Match does not match the current ETag' })
  async update(
    @CurrentUser() user: AuthenticatedUser,
    @Param('config_id', ConfigIdPipe) configId: string,
    @Body() body: UpdateConfigurationRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConfigurationResponse> {
    const changes: Partial<ConfigurationFields> = {
      name: body.name,
      tickers: body.tickers,
      timeframeDays: body.timeframe_days,
      includeExtendedHours: body.include_extended_hours,
    };
    const updated = await this.configurations.update(user.sub, configId, changes, parseIfMatch(ifMatch));
    return this.respond(updated, res);
  }

  @Delete(':config_id')
  @HttpCode(204)
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse({ description: 'Deleted; the slot under the maximum is free again' })
  @ApiNotFoundResponse()
  @ApiPreconditionFailedResponse({ description: 'If-Match does not match the current ETag' })
  async delete(
    @CurrentUser() user: AuthenticatedUser,
    @Param('config_id', ConfigIdPipe) configId: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.configurations.delete(user.sub, configId, parseIfMatch(ifMatch));
  }

  private readonly lookup = (symbol: string) => this.tickers.lookup(symbol);

  private respond(config: Configuration, res: Response): ConfigurationResponse {
    res.setHeader('ETag', etagOf(config.version));
    res.setHeader('Cache-Control', 'no-store');
    return toConfigurationResponse(config, this.lookup);
  }
}
