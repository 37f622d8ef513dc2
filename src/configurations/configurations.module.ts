import { Module } from '@nestjs/common';
import { TickerCacheModule } from '../tickers/ticker-cache.module';
import { ConfigurationsController } from './configurations.controller';
import { ConfigurationsRepository } from './configurations.repository';
import { ConfigurationsService } from './configurations.service';
import { CreateAttemptInterceptor } from './create-attempt.interceptor';

@Module({
  imports: [TickerCacheModule],
  controllers: [ConfigurationsController],
  providers: [ConfigurationsRepository, ConfigurationsService, CreateAttemptInterceptor],
})
export class ConfigurationsModule {}
