import type { TickerEntry } from '../../tickers/ticker-list';
import type { TickerSummaryResponse } from '../../tickers/dto/ticker.responses';
import type { Configuration } from '../configuration';
import type { ConfigurationResponse } from './configuration.responses';

export type TickerLookup = (symbol: string) => TickerEntry | undefined;

function toTicker(symbol: string, lookup: TickerLookup): TickerSummaryResponse {
  const entry = lookup(symbol);
  return { symbol, name: entry?.name ?? null, exchange: entry?.exchange ?? null };
}

/** Whitelists the response fields; storage attributes (pk, sk, version) never reach a client. */
export function toConfigurationResponse(config: Configuration, lookup: TickerLookup): ConfigurationResponse {
  return {
    config_id: config.configId,
    name: config.name,
    tickers: config.tickers.map((symbol) => toTicker(symbol, lookup)),
    timeframe_days: config.timeframeDays,
    include_extended_hours: config.includeExtendedHours,
    created_at: config.createdAt,
    updated_at: config.updatedAt,
  };
}
