import type { NullVolumeMode, SimulatedProvider } from './simulator-providers';

/** Public surface of the market-data simulator (see market-data-simulator.ts). */
export interface SimulatorCall {
  provider: SimulatedProvider;
  ticker: string;
  path: string;
  /** Every query parameter as received: API keys travel in headers, so none may show up here. */
  query: Record<string, string>;
  /** The W3C trace context the caller sent, if any. */
  traceparent?: string;
}

export interface MarketDataSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Decides which sessions and bars already exist; defaults to the real time. */
  clock?: () => Date;
  /**
   * Live mode: today's forming intraday bar holds the prices up to the clock's "now" (its close is
   * the price at that instant), so it changes between polls and is final once its interval passed.
   */
  live?: boolean;
  tiingoApiKey?: string;
  finnhubApiKey?: string;
}

export interface MarketDataSimulator {
  readonly url: string;
  readonly tiingoBaseUrl: string;
  readonly finnhubBaseUrl: string;
  readonly tiingoApiKey: string;
  readonly finnhubApiKey: string;
  readonly callLog: readonly SimulatorCall[];
  /** Epoch ms on the simulator's clock of each entry of callLog, same order. */
  callTimes(): readonly number[];
  setLatency(provider: SimulatedProvider, ms: number): void;
  /** Every data call answers this status (e.g. 500, 503) until cleared with null. */
  failWith(provider: SimulatedProvider, status: number | null): void;
  /** Every data call answers 429 with this `Retry-After` until cleared with null. */
  throttle(provider: SimulatedProvider, retryAfterSeconds: number | null): void;
  /** Calls get no answer; turning it off (or reset) answers the parked calls, close() drops them. */
  hang(provider: SimulatedProvider, on: boolean): void;
  nullVolumes(provider: SimulatedProvider, mode: NullVolumeMode): void;
  /**
   * Intraday answers also carry pre-market (from 04:30 ET) and after-hours bars (4 h past the
   * close, as Finnhub sends them), so only a correct session filter gives the regular-hours grid.
   */
  extendedHours(provider: SimulatedProvider, on: boolean): void;
  /** Replaces the extra unknown symbols; symbols starting with "ZZ" are always unknown. */
  unknownTickers(symbols: Iterable<string>): void;
  /** Data requests received (including refused ones), for one provider or both. */
  calls(provider?: SimulatedProvider): number;
  /** Resolves once `count` data requests have arrived, e.g. to act while a call is in flight. */
  waitForCalls(count: number, provider?: SimulatedProvider): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}
