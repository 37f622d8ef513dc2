import { ApiProperty } from '@nestjs/swagger';
import type { TickerEntry } from '../ticker-list';

export class TickerSummaryResponse {
  @ApiProperty({ example: 'AAPL' })
  symbol!: string;

  @ApiProperty({ example: 'Apple Inc.', nullable: true, type: String })
  name!: string | null;

  @ApiProperty({ example: 'NASDAQ', nullable: true, type: String })
  exchange!: string | null;
}

export class TickerSearchResponse {
  @ApiProperty({ type: [TickerSummaryResponse] })
  results!: TickerSummaryResponse[];
}

export const TICKER_STATUSES = ['valid', 'delisted', 'invalid'] as const;
export type TickerStatus = (typeof TICKER_STATUSES)[number];

export class TickerValidationResponse {
  @ApiProperty({ example: 'FB' })
  symbol!: string;

  @ApiProperty({ enum: TICKER_STATUSES, example: 'delisted' })
  status!: TickerStatus;

  @ApiProperty({ nullable: true, type: String, example: 'Meta Platforms (former)' })
  name!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'NASDAQ' })
  exchange!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'META' })
  successor_symbol!: string | null;
}

export function toTickerSummary(entry: TickerEntry): TickerSummaryResponse {
  return { symbol: entry.symbol, name: entry.name, exchange: entry.exchange };
}

export function toTickerValidation(symbol: string, entry: TickerEntry | undefined): TickerValidationResponse {
  if (entry === undefined) return { symbol, status: 'invalid', name: null, exchange: null, successor_symbol: null };
  return {
    symbol: entry.symbol,
    status: entry.isActive ? 'valid' : 'delisted',
    name: entry.name,
    exchange: entry.exchange,
    successor_symbol: entry.isActive ? null : entry.successorSymbol,
  };
}
