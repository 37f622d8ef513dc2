import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';

type LogLine = Record<string, unknown>;

/** Nest's start-up chatter: one line per controller and per route. Shown once, as a list. */
const ROUTE_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer']);
/** One line per module at start: says nothing a developer acts on. */
const HIDDEN_CONTEXTS = new Set(['InstanceLoader']);
const MAPPED_ROUTE = /^Mapped \{(.+), (\w+)\} route$/;

/**
 * What `npm run dev` shows of the API's JSON logs: pino-pretty lines, the route table once, and
 * one line per request with status, latency and cache source. The service itself always logs
 * JSON (production, tests); only this launcher turns it into text for a person.
 */
export class DevConsole {
  private readonly pretty = prettyFactory({
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  private readonly routes: string[] = [];
  private started = false;
  private readonly waiters = new Set<{ test: (line: LogLine) => boolean; resolve: () => void }>();

  constructor(private readonly write: (text: string) => void = (text) => process.stdout.write(text)) {}

  attach(stream: Readable): void {
    createInterface({ input: stream }).on('line', (text) => this.accept(text));
  }

  /**
   * Resolves once a log line matching `test` has been shown (e.g. "listening"), so the ready line
   * comes after it. Register before the line can arrive: lines already shown are not searched.
   */
  waitFor(test: (line: LogLine) => boolean): Promise<void> {
    return new Promise((resolve) => this.waiters.add({ test, resolve }));
  }

  /** Prints the route table once, then lets request lines through. */
  markStarted(): void {
    if (this.started) return;
    this.started = true;
    if (this.routes.length > 0) this.write(`routes (${this.routes.length}):\n${this.routes.map((route) => `  ${route}`).join('\n')}\n`);
  }

  accept(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      this.write(`${text}\n`);
      return;
    }
    const shown = this.format(line);
    if (shown !== null) this.write(shown);
    for (const waiter of this.waiters) {
      if (!waiter.test(line)) continue;
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }

  private format(line: LogLine): string | null {
    if (typeof line.context === 'string' && ROUTE_CONTEXTS.has(line.context)) {
      const mapped = MAPPED_ROUTE.exec(String(line.msg));
      if (mapped) this.routes.push(`${mapped[2].padEnd(6)} ${mapped[1]}`);
      return null;
    }
    if (typeof line.context === 'string' && HIDDEN_CONTEXTS.has(line.context)) return null;
    if (line.msg === 'request completed' || line.msg === 'request failed') return this.formatRequest(line);
    return this.pretty(line);
  }

  /** `GET /api/v2/tickers/AAPL/ohlc?range=1M 200 12 ms in-memory`; start-up readiness probes are not shown. */
  private formatRequest(line: LogLine): string | null {
    const req = (line.req ?? {}) as { method?: string; url?: string };
    if (!this.started && req.url?.startsWith('/health/')) return null;
    const parts = [req.method, req.url, line.status, `${String(line.latency_ms)} ms`, line.cache_source].filter((part) => part !== undefined);
    const { level, time, request_id, trace_id, err } = line;
    return this.pretty({ level, time, msg: parts.join(' '), request_id, trace_id, err });
  }
}
