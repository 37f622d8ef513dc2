import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { MarketDataSimulator, MarketDataSimulatorOptions, SimulatorCall } from './market-data-simulator.types';
import { applyControl } from './simulator-control';
import {
  errorBody, finnhubCandles, NullVolumeMode, ProviderContext, route, Route, send, SimulatedProvider, SimulatedResponse,
  tiingoDaily, tiingoIntraday,
} from './simulator-providers';

export type { NullVolumeMode, SimulatedProvider } from './simulator-providers';
export type { MarketDataSimulator, MarketDataSimulatorOptions, SimulatorCall } from './market-data-simulator.types';

interface ProviderFaults {
  latencyMs: number;
  failStatus: number | null;
  retryAfterSeconds: number | null;
  hang: boolean;
  nullVolumes: NullVolumeMode;
  extendedHours: boolean;
}

const PROVIDERS: readonly SimulatedProvider[] = ['tiingo', 'finnhub'];

function noFaults(): ProviderFaults {
  return { latencyMs: 0, failStatus: null, retryAfterSeconds: null, hang: false, nullVolumes: false, extendedHours: false };
}

class SimulatorServer implements MarketDataSimulator {
  url = '';
  readonly callLog: SimulatorCall[] = [];
  private readonly callInstants: number[] = [];
  private faults: Record<SimulatedProvider, ProviderFaults> = { tiingo: noFaults(), finnhub: noFaults() };
  private extraUnknown = new Set<string>();
  private readonly parked: Record<SimulatedProvider, Set<() => void>> = { tiingo: new Set(), finnhub: new Set() };
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly callWatchers = new Set<() => void>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly server: Server,
    private readonly clock: () => Date,
    readonly tiingoApiKey: string,
    readonly finnhubApiKey: string,
    private readonly live: boolean,
  ) {}

  get tiingoBaseUrl(): string { return this.url; }
  get finnhubBaseUrl(): string { return this.url; }

  setLatency(provider: SimulatedProvider, ms: number): void { this.faults[provider].latencyMs = ms; }
  failWith(provider: SimulatedProvider, status: number | null): void { this.faults[provider].failStatus = status; }
  throttle(provider: SimulatedProvider, seconds: number | null): void { this.faults[provider].retryAfterSeconds = seconds; }
  nullVolumes(provider: SimulatedProvider, mode: NullVolumeMode): void { this.faults[provider].nullVolumes = mode; }
  extendedHours(provider: SimulatedProvider, on: boolean): void { this.faults[provider].extendedHours = on; }
  unknownTickers(symbols: Iterable<string>): void { this.extraUnknown = new Set([...symbols].map((s) => s.toUpperCase())); }

  hang(provider: SimulatedProvider, on: boolean): void {
    this.faults[provider].hang = on;
    if (on) return;
    const parked = [...this.parked[provider]];
    this.parked[provider].clear();
    parked.forEach((resume) => resume());
  }

  calls(provider?: SimulatedProvider): number {
    return provider ? this.callLog.filter((call) => call.provider === provider).length : this.callLog.length;
  }

  waitForCalls(count: number, provider?: SimulatedProvider): Promise<void> {
    return new Promise((resolve) => {
      const watcher = (): void => {
        if (this.calls(provider) < count) return;
        this.callWatchers.delete(watcher);
        resolve();
      };
      this.callWatchers.add(watcher);
      watcher();
    });
  }

  reset(): void {
    PROVIDERS.forEach((provider) => this.hang(provider, false));
    this.faults = { tiingo: noFaults(), finnhub: noFaults() };
    this.extraUnknown = new Set();
    this.callLog.length = 0;
    this.callInstants.length = 0;
  }

  callTimes(): readonly number[] {
    return this.callInstants;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.timers.forEach((timer) => clearTimeout(timer));
      this.timers.clear();
      PROVIDERS.forEach((provider) => this.parked[provider].clear());
      this.server.close(() => resolve());
      // Hung and slow requests keep their sockets open; drop them so close() always finishes.
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    if (url.pathname === '/__control') {
      applyControl(this, req, res);
      return;
    }
    const target = route(url.pathname, url.searchParams);
    if (!target || req.method !== 'GET') {
      send(res, { status: 404, body: { detail: 'Not found.' } });
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    this.callLog.push({ provider: target.provider, ticker: target.ticker, path: url.pathname, query, traceparent: req.headers.traceparent?.toString() });
    this.callInstants.push(this.clock().getTime());
    [...this.callWatchers].forEach((watcher) => watcher());
    const respond = (): void => this.afterLatency(target.provider, res, () => send(res, this.safeAnswer(target, req, url)));
    if (!this.faults[target.provider].hang) return respond();
    const parked = this.parked[target.provider];
    parked.add(respond);
    res.on('close', () => parked.delete(respond));
  }

  private afterLatency(provider: SimulatedProvider, res: ServerResponse, reply: () => void): void {
    const latencyMs = this.faults[provider].latencyMs;
    if (latencyMs <= 0) return reply();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      reply();
    }, latencyMs);
    this.timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    });
  }

  private safeAnswer(target: Route, req: IncomingMessage, url: URL): SimulatedResponse {
    try {
      return this.answer(target, req, url);
    } catch (error: unknown) {
      return { status: 500, body: errorBody(target.provider, `Simulator error: ${(error as Error).message}`) };
    }
  }

  private answer(target: Route, req: IncomingMessage, url: URL): SimulatedResponse {
    const { provider } = target;
    const faults = this.faults[provider];
    if (!this.authorized(provider, req)) {
      return { status: 401, body: errorBody(provider, provider === 'tiingo' ? 'Invalid token.' : 'Invalid API key') };
    }
    if (faults.retryAfterSeconds !== null) {
      return { status: 429, body: errorBody(provider, 'API limit reached. Please try again later.'), headers: { 'retry-after': String(faults.retryAfterSeconds) } };
    }
    if (faults.failStatus !== null) return { status: faults.failStatus, body: errorBody(provider, 'Simulated upstream failure') };
    const ctx: ProviderContext = {
      now: this.clock(),
      isUnknown: (symbol) => symbol.startsWith('ZZ') || this.extraUnknown.has(symbol),
      nullVolumes: faults.nullVolumes,
      extendedHours: faults.extendedHours,
      live: this.live,
    };
    if (target.kind === 'tiingo-daily') return tiingoDaily(target.ticker, url.searchParams, ctx);
    if (target.kind === 'tiingo-intraday') return tiingoIntraday(target.ticker, url.searchParams, ctx);
    return finnhubCandles(url.searchParams, ctx);
  }

  private authorized(provider: SimulatedProvider, req: IncomingMessage): boolean {
    if (provider === 'tiingo') return req.headers.authorization === `Token ${this.tiingoApiKey}`;
    return req.headers['x-finnhub-token'] === this.finnhubApiKey;
  }
}

/** Starts a local HTTP server that speaks Tiingo's and Finnhub's candle APIs on 127.0.0.1. */
export async function startMarketDataSimulator(options: MarketDataSimulatorOptions = {}): Promise<MarketDataSimulator> {
  const server = createServer();
  const simulator = new SimulatorServer(
    server,
    options.clock ?? (() => new Date()),
    options.tiingoApiKey ?? 'simulated-tiingo-key',
    options.finnhubApiKey ?? 'simulated-finnhub-key',
    options.live ?? false,
  );
  server.on('request', (req, res) => {
    try {
      simulator.handle(req, res);
    } catch {
      send(res, { status: 500, body: { detail: 'Simulator error' } });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  simulator.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return simulator;
}
