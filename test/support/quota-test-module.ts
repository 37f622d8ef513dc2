import { Test, TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from '../../src/common/common.module';
import { ConfigModule } from '../../src/config/config.module';
import { Settings } from '../../src/config/settings';
import { InfrastructureModule } from '../../src/infrastructure/infrastructure.module';
import { MetricsRegistry } from '../../src/observability/metrics.registry';
import { Clock } from '../../src/resilience/clock';
import { QuotaModule } from '../../src/quota/quota.module';
import { QuotaService } from '../../src/quota/quota.service';
import { ResilienceModule } from '../../src/resilience/resilience.module';
import { testSettings } from './test-settings';

/** A clock the test moves by hand, to cross window boundaries without waiting. */
export class FakeQuotaClock extends Clock {
  constructor(private current: Date) {
    super();
  }

  override now(): Date {
    return new Date(this.current);
  }

  set(at: Date | string): void {
    this.current = new Date(at);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface QuotaTestContext {
  readonly quota: QuotaService;
  readonly metrics: MetricsRegistry;
  readonly moduleRef: TestingModule;
  close(): Promise<void>;
}

/** The real quota module and its real dependencies (DynamoDB through AwsClients), without HTTP. */
export async function startQuotaModule(env: Record<string, string>, clock: Clock): Promise<QuotaTestContext> {
  const settings = testSettings(env);
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule,
      LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }),
      CommonModule,
      InfrastructureModule,
      ResilienceModule,
      QuotaModule,
    ],
  })
    .overrideProvider(Settings)
    .useValue(settings)
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  await moduleRef.init();
  return {
    quota: moduleRef.get(QuotaService),
    metrics: moduleRef.get(MetricsRegistry),
    moduleRef,
    close: () => moduleRef.close(),
  };
}
