import { Global, Module } from '@nestjs/common';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { ResilienceService } from './resilience.service';

@Global()
@Module({
  providers: [CircuitBreakerRegistry, ResilienceService],
  exports: [CircuitBreakerRegistry, ResilienceService],
})
export class ResilienceModule {}
