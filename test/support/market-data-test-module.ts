import { Test, TestingModule } from '@nestjs/testing';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from '../../src/common/common.module';
import { ConfigModule } from '../../src/config/config.module';
import { Settings } from '../../src/config/settings';
import { InfrastructureModule } from '../../src/infrastructure/infrastructure.module';
import { MarketCalendar } from '../../src/market-calendar/market-calendar';
import { MarketDataModule } from '../../src/market-data/market-data.module';
import { MarketDataService } from '../../src/market-data/market-data.service';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from './market-data-simulator';
import { createTestAwsResources, type TestAwsResources } from './test-resources';
import { testSettings } from './test-settings';

export interface MarketDataTestOptions {
  readonly simulator: MarketDataSimulator;
  readonly resources: TestAwsResources;
  /** The market calendar's "now": which sessions have closed. */
  readonly now: Date;
  /** Variables on top of the simulator's URLs and keys and a 2 s request deadline. */
  readonly env?: Record<string, string>;
  /** Replaces the real quota clock, e.g. to give every test fresh quota windows. */
  readonly quotaClock?: Clock;
}

export interface MarketDataTestContext {
  readonly moduleRef: TestingModule;
  readonly service: MarketDataService;
}

/**
 * The real MarketDataModule with its quota, resilience and AWS dependencies, without HTTP,
 * pointed at the simulator. The caller closes `moduleRef`.
 */
export async function startMarketDataModule(options: MarketDataTestOptions): Promise<MarketDataTestContext> {
  const { simulator, resources, now, quotaClock } = options;
  const settings = testSettings({
    ...resources.env,
    TIINGO_API_KEY: simulator.tiingoApiKey,
    TIINGO_BASE_URL: simulator.tiingoBaseUrl,
    FINNHUB_API_KEY: simulator.finnhubApiKey,
    FINNHUB_BASE_URL: simulator.finnhubBaseUrl,
    REQUEST_DEADLINE_MS: '2000',
    ...options.env,
  });
  // The real module, as the app wires it; only the calendar's "now" and the quota clock are replaced.
  const builder = Test.createTestingModule({
    imports: [ConfigModule, LoggerModule.forRoot({ pinoHttp: { level: 'silent' } }), CommonModule, InfrastructureModule, MarketDataModule],
  })
    .overrideProvider(Settings)
    .useValue(settings)
    .overrideProvider(MarketCalendar)
    .useValue(new MarketCalendar(() => now));
  const moduleRef = await (quotaClock ? builder.overrideProvider(Clock).useValue(quotaClock) : builder).compile();
  await moduleRef.init();
  return { moduleRef, service: moduleRef.get(MarketDataService) };
}

export interface MarketDataSuite {
  readonly simulator: MarketDataSimulator;
  readonly resources: TestAwsResources;
  /** The module the current test started; closed after each test. */
  readonly moduleRef: TestingModule;
  readonly service: MarketDataService;
  /** Starts this test's module with `env` on top of the suite's. */
  start(env?: Record<string, string>): Promise<void>;
}

/**
 * Registers the hooks of a market-data suite: one simulator (on the calendar's clock) and one set
 * of AWS resources for the suite, a module per test started by `start()` and closed after it with
 * the simulator reset. Read the properties inside hooks and tests only.
 */
export function useMarketDataSuite(options: Omit<MarketDataTestOptions, 'simulator' | 'resources'>): MarketDataSuite {
  let simulator: MarketDataSimulator | undefined;
  let resources: TestAwsResources | undefined;
  let current: MarketDataTestContext | undefined;

  beforeAll(async () => {
    [simulator, resources] = await Promise.all([startMarketDataSimulator({ clock: () => options.now }), createTestAwsResources()]);
  });
  afterEach(async () => {
    simulator?.reset();
    await current?.moduleRef.close();
    current = undefined;
  });
  afterAll(async () => {
    await simulator?.close();
    await resources?.destroy();
  });

  return {
    get simulator() {
      return ready(simulator, 'simulator');
    },
    get resources() {
      return ready(resources, 'resources');
    },
    get moduleRef() {
      return ready(current, 'moduleRef (call start() first)').moduleRef;
    },
    get service() {
      return ready(current, 'service (call start() first)').service;
    },
    async start(env = {}) {
      current = await startMarketDataModule({
        ...options,
        simulator: ready(simulator, 'simulator'),
        resources: ready(resources, 'resources'),
        env: { ...options.env, ...env },
      });
    },
  };
}

function ready<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`useMarketDataSuite: ${name} is not set up`);
  return value;
}
