import { Module } from '@nestjs/common';
import { ResilienceModule } from '../resilience/resilience.module';
import { QuotaController } from './quota.controller';
import { QuotaObserver } from './quota-observer';
import { QuotaRepository } from './quota.repository';
import { QuotaService } from './quota.service';

/** Upstream call budgets; features that call upstream services import it. */
@Module({
  imports: [ResilienceModule],
  controllers: [QuotaController],
  providers: [QuotaRepository, QuotaObserver, QuotaService],
  exports: [QuotaService],
})
export class QuotaModule {}
