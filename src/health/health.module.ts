import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CircuitsController } from './circuits.controller';
import { HealthController } from './health.controller';
import { ReadinessCache } from './readiness.cache';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController, CircuitsController],
  providers: [ReadinessCache],
})
export class HealthModule {}
