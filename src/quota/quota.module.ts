import { Global, Module } from '@nestjs/common';
import { QuotaClock } from './quota-clock';
import { QuotaController } from './quota.controller';
import { QuotaObserver } from './quota-observer';
import { QuotaRepository } from './quota.repository';
import { QuotaService } from './quota.service';

/** Global so any feature calling an upstream service can inject QuotaService. */
@Global()
@Module({
  controllers: [QuotaController],
  providers: [QuotaClock, QuotaRepository, QuotaObserver, QuotaService],
  exports: [QuotaService],
})
export class QuotaModule {}
