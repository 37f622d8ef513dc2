import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Settings } from '../config/settings';
import { DependencyUnavailableError, NotFoundError, ValidationFailedError } from '../common/errors';
import { TickerCacheService } from '../tickers/ticker-cache.service';
import type { Configuration, ConfigurationFields, IdempotencyRecord, VersionPrecondition } from './configuration';
import { ConfigurationsRepository } from './configurations.repository';
import { IdempotencyKeyReusedError, InvalidTickerError } from './configurations.errors';

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
// Visible ASCII only: the key becomes part of a DynamoDB sort key and of log lines.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,64}$/;
// A record that vanished (TTL) between the failed write and the read: write once more.
const MAX_CREATE_ATTEMPTS = 2;

export interface CreateOutcome {
  readonly configuration: Configuration;
  /** The Idempotency-Key was seen before with the same body: nothing new was created. */
  readonly replayed: boolean;
}

@Injectable()
export class ConfigurationsService {
  constructor(
    private readonly repository: ConfigurationsRepository,
    private readonly tickers: TickerCacheService,
    private readonly settings: Settings,
  ) {}

  get maxAllowed(): number {
    return this.settings.maxConfigsPerUser;
  }

  async create(sub: string, fields: ConfigurationFields, idempotencyKey: string | undefined): Promise<CreateOutcome> {
    this.checkIdempotencyKey(idempotencyKey);
    this.checkTickers(fields.tickers);
    const bodyHash = hashBody(fields);
    for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
      const configuration = newConfiguration(fields);
      const idempotency = idempotencyKey === undefined ? undefined : { key: idempotencyKey, record: idempotencyRecord(configuration, bodyHash) };
      const result = await this.repository.create(sub, configuration, this.maxAllowed, idempotency);
      if (result === 'created') return { configuration, replayed: false };
      const original = await this.replay(sub, idempotencyKey!, bodyHash);
      if (original !== undefined) return { configuration: original, replayed: true };
    }
    // The record kept vanishing between write and read: a storage anomaly, safe to retry.
    throw new DependencyUnavailableError('dynamodb', 1);
  }

  async list(sub: string): Promise<Configuration[]> {
    const configurations = await this.repository.list(sub);
    return configurations.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  async get(sub: string, configId: string): Promise<Configuration> {
    const configuration = await this.repository.get(sub, configId);
    if (configuration === undefined) throw new NotFoundError('Configuration not found');
    return configuration;
  }

  async update(sub: string, configId: string, changes: Partial<ConfigurationFields>, precondition: VersionPrecondition): Promise<Configuration> {
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new ValidationFailedError([{ field: 'body', message: 'at least one of name, tickers, timeframe_days, include_extended_hours is required' }]);
    }
    if (changes.tickers !== undefined) this.checkTickers(changes.tickers);
    return this.repository.update(sub, configId, changes, precondition, new Date().toISOString());
  }

  delete(sub: string, configId: string, precondition: VersionPrecondition): Promise<void> {
    return this.repository.delete(sub, configId, precondition);
  }

  /**
   * The key is taken: the same body gets the configuration it created (404 if deleted since), a
   * different body a 409. `undefined` when the record is gone or expired: the caller writes again.
   */
  private async replay(sub: string, key: string, bodyHash: string): Promise<Configuration | undefined> {
    const record = await this.repository.findIdempotencyRecord(sub, key);
    if (record === undefined || record.expiresAt < Math.floor(Date.now() / 1000)) return undefined;
    if (record.bodyHash !== bodyHash) throw new IdempotencyKeyReusedError();
    const original = await this.repository.get(sub, record.configId);
    if (original === undefined) throw new NotFoundError('The configuration created with this Idempotency-Key was deleted');
    return original;
  }

  private checkIdempotencyKey(key: string | undefined): void {
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationFailedError([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-64 visible ASCII characters' }]);
    }
  }

  /** Shape and duplicates are checked by the DTO; here each symbol meets the ticker list. */
  private checkTickers(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      const entry = this.tickers.lookup(symbol);
      if (entry === undefined) throw new InvalidTickerError(symbol, 'unknown');
      if (!entry.isActive) throw new InvalidTickerError(symbol, 'delisted', entry.successorSymbol);
    }
  }
}

function newConfiguration(fields: ConfigurationFields): Configuration {
  const now = new Date().toISOString();
  return { configId: randomUUID(), ...fields, version: 1, createdAt: now, updatedAt: now };
}

function idempotencyRecord(configuration: Configuration, bodyHash: string): IdempotencyRecord {
  const createdSeconds = Math.floor(Date.parse(configuration.createdAt) / 1000);
  return { bodyHash, configId: configuration.configId, expiresAt: createdSeconds + IDEMPOTENCY_TTL_SECONDS };
}

/** The normalised body (after trimming, upper-casing and defaults), so cosmetic differences replay. */
function hashBody(fields: ConfigurationFields): string {
  const normalised = [fields.name, [...fields.tickers], fields.timeframeDays, fields.includeExtendedHours];
  return createHash('sha256').update(JSON.stringify(normalised)).digest('hex');
}
