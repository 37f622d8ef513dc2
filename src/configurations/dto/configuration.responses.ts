import { ApiProperty } from '@nestjs/swagger';
import { TickerSummaryResponse } from '../../tickers/dto/ticker.responses';

export class ConfigurationResponse {
  @ApiProperty({ format: 'uuid' })
  config_id!: string;

  @ApiProperty({ example: 'Tech' })
  name!: string;

  @ApiProperty({
    type: [TickerSummaryResponse],
    description: 'Names and exchanges from the ticker list at response time (null if the symbol left the list)',
  })
  tickers!: TickerSummaryResponse[];

  @ApiProperty({ example: 7 })
  timeframe_days!: number;

  @ApiProperty({ example: false })
  include_extended_hours!: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

export class ConfigurationListResponse {
  @ApiProperty({ type: [ConfigurationResponse], description: 'Newest first' })
  configurations!: ConfigurationResponse[];

  @ApiProperty({ example: 5 })
  max_allowed!: number;
}
