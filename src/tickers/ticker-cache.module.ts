import { Module } from '@nestjs/common';
import { TickerCacheService } from './ticker-cache.service';
import { TickerListRepository } from './ticker-list.repository';
import { TickersController } from './tickers.controller';

@Module({
  controllers: [TickersController],
  providers: [TickerListRepository, TickerCacheService],
  exports: [TickerCacheService],
})
export class TickerCacheModule {}
