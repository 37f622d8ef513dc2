import { Global, Module } from '@nestjs/common';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { Clock } from './clock';
import { ResilienceService } from './resilience.service';

@Global()
@Module({
  providers: [CircuitBreakerRegistry, ResilienceService, Clock],
  exports: [CircuitBreakerRegistry, ResilienceService, Clock],
})
export class ResilienceModule {}
