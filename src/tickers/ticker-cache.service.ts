import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Settings } from '../config/settings';
import { MetricsRegistry } from '../observability/metrics.registry';
import { parseTickerList, TickerEntry, TickerIndex } from './ticker-list';
import { TickerListRepository } from './ticker-list.repository';

export type TickerListSource = 's3' | 'bundled';
export type RefreshOutcome = 'updated' | 'unchanged' | 'rejected' | 'failed';

const BUNDLED_RELATIVE_PATH = join('fixtures', 'us-symbols.json');
const MAX_SKIPPED_LOGGED = 20;

/** Walks up from this file: the same lookup works from src/ (jest) and dist/src/ (production). */
export function findBundledTickerList(from = __dirname): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, BUNDLED_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The ticker list in memory. S3 is the source of truth; the copy bundled with the service covers
 * the time until S3 first answers, and the last good S3 list covers every later S3 failure.
 */
@Injectable()
export class TickerCacheService implements OnApplicationBootstrap, OnApplicationShutdown {
  private index: TickerIndex = new TickerIndex([], null);
  private currentSource: TickerListSource = 'bundled';
  private etag: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<RefreshOutcome> | undefined;
  private readonly sourceGauge;

  constructor(
    private readonly repository: TickerListRepository,
    private readonly settings: Settings,
    metrics: MetricsRegistry,
    @InjectPinoLogger(TickerCacheService.name) private readonly logger: PinoLogger,
  ) {
    this.sourceGauge = metrics.gauge('ticker_list_source', 'Which ticker list is served (1 = active)', ['source']);
    this.loadBundled();
  }

  get source(): TickerListSource {
    return this.currentSource;
  }

  lookup(symbol: string): TickerEntry | undefined {
    return this.index.lookup(symbol);
  }

  search(query: string, limit: number): TickerEntry[] {
    return this.index.search(query, limit);
  }

  /**
   * Start-up waits for at most one S3 attempt (bounded by the request deadline and the retry
   * policy); a failure is logged, never thrown, so an S3 outage cannot stop the service starting.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.settings.tickerList.refreshSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** Public so operators' tooling and tests can refresh without waiting for the timer. */
  refresh(): Promise<RefreshOutcome> {
    this.inFlight ??= this.refreshOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refreshOnce(): Promise<RefreshOutcome> {
    let fetched;
    try {
      fetched = await this.repository.fetch(this.etag);
    } catch (error) {
      this.logger.warn(
        { err: error, source: this.currentSource, symbols: this.index.size },
        this.currentSource === 's3'
          ? 'ticker list refresh failed; serving the last list loaded from S3'
          : 'ticker list not loaded from S3; serving the list bundled with the service',
      );
      return 'failed';
    }
    if (fetched.status === 'not-modified') return 'unchanged';
    if (!this.install(fetched.body, 's3')) return 'rejected';
    this.etag = fetched.etag;
    return 'updated';
  }

  private loadBundled(): void {
    const path = findBundledTickerList();
    if (path === undefined) {
      this.logger.error({ path: BUNDLED_RELATIVE_PATH }, 'bundled ticker list not found; until S3 answers every ticker is unknown');
      this.setSource('bundled');
      return;
    }
    this.install(readFileSync(path, 'utf8'), 'bundled');
  }

  private install(text: string, source: TickerListSource): boolean {
    try {
      const parsed = parseTickerList(text);
      if (parsed.skipped.length > 0) {
        this.logger.warn(
          { source, skipped_count: parsed.skipped.length, skipped: parsed.skipped.slice(0, MAX_SKIPPED_LOGGED) },
          'ticker list entries skipped: they do not have the expected shape',
        );
      }
      this.index = new TickerIndex(parsed.entries, parsed.version);
      this.setSource(source);
      this.logger.info({ source, version: parsed.version, symbols: parsed.entries.length }, 'ticker list loaded');
      return true;
    } catch (error) {
      this.logger.warn(
        { err: error, source, kept_source: this.currentSource, kept_symbols: this.index.size },
        'ticker list rejected; keeping the previous list',
      );
      return false;
    }
  }

  private setSource(source: TickerListSource): void {
    this.currentSource = source;
    this.sourceGauge.set({ source: 's3' }, source === 's3' ? 1 : 0);
    this.sourceGauge.set({ source: 'bundled' }, source === 'bundled' ? 1 : 0);
  }
}
