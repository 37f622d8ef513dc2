import { Module } from '@nestjs/common';
import { Clock } from '../resilience/clock';
import { ResilienceModule } from '../resilience/resilience.module';
import { MarketCalendar } from './market-calendar';

/** The NYSE calendar on the service's Clock, so a test that replaces the clock moves "today" with it. */
@Module({
  imports: [ResilienceModule],
  providers: [{ provide: MarketCalendar, useFactory: (clock: Clock) => new MarketCalendar(() => clock.now()), inject: [Clock] }],
  exports: [MarketCalendar],
})
export class MarketCalendarModule {}
