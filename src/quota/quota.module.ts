import { Global, Module } from '@nestjs/common';
import { ResilienceModule } from '../resilience/resilience.module';
import { QuotaController } from './quota.controller';
import { QuotaObserver } from './quota-observer';
import { QuotaRepository } from './quota.repository';
import { QuotaService } from './quota.service';

/** Global so any feature calling an upstream service can inject QuotaService. */
@Global()
@Module({
  imports: [ResilienceModule],
  controllers: [QuotaController],
  providers: [QuotaRepository, QuotaObserver, QuotaService],
  exports: [QuotaService],
})
export class QuotaModule {}
