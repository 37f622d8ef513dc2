import type { Configuration, IdempotencyRecord } from './configuration';

/** Item layout in USERS_TABLE (see the README): one partition per user. */
export const userPk = (sub: string): string => `USER#${sub}`;
export const configSk = (configId: string): string => `CONFIG#${configId}`;
export const COUNTER_SK = 'COUNTER';
export const idempotencySk = (key: string): string => `IDEMPOTENCY#${key}`;
export const CONFIG_SK_PREFIX = 'CONFIG#';

export type Item = Record<string, unknown>;

export function toConfigItem(sub: string, config: Configuration): Item {
  return {
    pk: userPk(sub),
    sk: configSk(config.configId),
    config_id: config.configId,
    name: config.name,
    tickers: [...config.tickers],
    timeframe_days: config.timeframeDays,
    include_extended_hours: config.includeExtendedHours,
    version: config.version,
    created_at: config.createdAt,
    updated_at: config.updatedAt,
  };
}

const str = (item: Item, key: string): string => {
  const value = item[key];
  if (typeof value !== 'string') throw new Error(`configuration item attribute ${key} is not a string`);
  return value;
};
const num = (item: Item, key: string): number => {
  const value = item[key];
  if (typeof value !== 'number') throw new Error(`configuration item attribute ${key} is not a number`);
  return value;
};

export function fromConfigItem(item: Item): Configuration {
  const tickers = item.tickers;
  if (!Array.isArray(tickers) || !tickers.every((t) => typeof t === 'string')) {
    throw new Error('configuration item attribute tickers is not a list of strings');
  }
  return {
    configId: str(item, 'config_id'),
    name: str(item, 'name'),
    tickers,
    timeframeDays: num(item, 'timeframe_days'),
    includeExtendedHours: item.include_extended_hours === true,
    version: num(item, 'version'),
    createdAt: str(item, 'created_at'),
    updatedAt: str(item, 'updated_at'),
  };
}

export function toIdempotencyItem(sub: string, key: string, record: IdempotencyRecord, createdAt: string): Item {
  return {
    pk: userPk(sub),
    sk: idempotencySk(key),
    body_hash: record.bodyHash,
    config_id: record.configId,
    created_at: createdAt,
    expires_at: record.expiresAt,
  };
}

export function fromIdempotencyItem(item: Item): IdempotencyRecord {
  return { bodyHash: str(item, 'body_hash'), configId: str(item, 'config_id'), expiresAt: num(item, 'expires_at') };
}
