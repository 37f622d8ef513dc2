import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from './common/common.module';
import { ConfigModule } from './config/config.module';
import { ConfigurationsModule } from './configurations/configurations.module';
import { Settings } from './config/settings';
import { HealthModule } from './health/health.module';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { OhlcModule } from './ohlc/ohlc.module';
import { QuotaModule } from './quota/quota.module';
import { ResilienceModule } from './resilience/resilience.module';
import { TickerCacheModule } from './tickers/ticker-cache.module';
import { loggerParams } from './observability/logging';
import { MetricsController } from './observability/metrics.controller';

@Module({
  imports: [
    ConfigModule,
    LoggerModule.forRootAsync({ inject: [Settings], useFactory: loggerParams }),
    CommonModule,
    InfrastructureModule,
    ResilienceModule,
    HealthModule,
    QuotaModule,
    TickerCacheModule,
    ConfigurationsModule,
    OhlcModule,
  ],
  controllers: [MetricsController],
})
export class AppModule {}
