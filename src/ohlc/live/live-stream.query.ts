import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { LiveResolution } from './live-streams.service';

export const LIVE_RESOLUTIONS: readonly LiveResolution[] = ['1', '5', '15', '30', '60'];

export class LiveStreamQuery {
  @ApiProperty({ enum: LIVE_RESOLUTIONS, description: 'Minutes per bar; required (daily bars do not form during the day)' })
  @IsIn(LIVE_RESOLUTIONS)
  resolution!: LiveResolution;
}
