import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import type { RangePreset } from '../../market-calendar/market-calendar';
import { RESOLUTIONS, type Resolution } from '../candle.model';

export const RANGE_PRESETS: readonly RangePreset[] = ['1D', '1W', '1M', '3M', '6M', 'YTD', '1Y'];

export class OhlcQuery {
  @ApiPropertyOptional({ enum: RESOLUTIONS, default: 'D', description: 'Minutes per bar (1, 5, 15, 30, 60) or D for daily' })
  @IsIn(RESOLUTIONS)
  resolution: Resolution = 'D';

  @ApiPropertyOptional({
    enum: RANGE_PRESETS,
    description: 'Preset ending at today\'s market date (America/New_York); default 1M when no dates are given',
  })
  @IsOptional()
  @IsIn(RANGE_PRESETS)
  range?: RangePreset;

  @ApiPropertyOptional({ format: 'date', example: '2026-10-22', description: 'YYYY-MM-DD; with end_date, not with range' })
  @IsOptional()
  @IsString()
  start_date?: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-11-20', description: 'YYYY-MM-DD; with start_date, not with range' })
  @IsOptional()
  @IsString()
  end_date?: string;
}
