import type { MarketDataSimulator } from '../support/market-data-simulator';

/** Provider settings pointing at the simulator, with budgets no suite can exhaust. */
export function simulatorEnv(simulator: MarketDataSimulator): Record<string, string> {
  return {
    TIINGO_BASE_URL: simulator.tiingoBaseUrl,
    FINNHUB_BASE_URL: simulator.finnhubBaseUrl,
    TIINGO_API_KEY: simulator.tiingoApiKey,
    FINNHUB_API_KEY: simulator.finnhubApiKey,
    QUOTA_TIINGO_HOUR_LIMIT: '100000',
    QUOTA_TIINGO_DAY_LIMIT: '100000',
    QUOTA_FINNHUB_MINUTE_LIMIT: '100000',
    OHLC_USER_UPSTREAM_PER_HOUR: '100000',
    // Suites break providers on purpose; their breakers must not stay open for the next test.
    CIRCUIT_TIINGO_FAILURE_THRESHOLD: '1000',
    CIRCUIT_FINNHUB_FAILURE_THRESHOLD: '1000',
  };
}

export interface CandleBody {
  ticker: string;
  resolution: string;
  start_date: string;
  end_date: string;
  source: string;
  count: number;
  candles: Array<{ date: string; open: number; high: number; low: number; close: number; volume: number }>;
}

/** A mutable market clock shared by the service (Clock override) and the simulator. */
export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current.getTime());
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
