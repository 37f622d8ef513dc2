import { ApiProperty } from '@nestjs/swagger';
import type { QuotaUsage } from '../quota.service';

const WINDOWS = ['minute', 'hour', 'day'] as const;
const STATES = ['ok', 'warning', 'critical', 'exhausted'] as const;

export class QuotaWindowResponse {
  @ApiProperty({ enum: WINDOWS, example: 'hour' })
  window!: (typeof WINDOWS)[number];

  @ApiProperty({ example: 3, description: 'Calls counted in the current window' })
  used!: number;

  @ApiProperty({ example: 50 })
  limit!: number;

  @ApiProperty({ example: 47 })
  remaining!: number;

  @ApiProperty({ example: '2026-11-22T15:00:00.000Z', description: 'When the current window ends (UTC)' })
  resets_at!: string;
}

export class QuotaServiceResponse {
  @ApiProperty({ type: [QuotaWindowResponse] })
  windows!: QuotaWindowResponse[];

  @ApiProperty({ enum: STATES, description: 'The worst window: warning from 50 %, critical from 80 %, exhausted at 100 %' })
  state!: (typeof STATES)[number];
}

export class QuotaOverviewResponse {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/QuotaServiceResponse' },
    example: {
      tiingo: {
        windows: [
          { window: 'hour', used: 3, limit: 50, remaining: 47, resets_at: '2026-11-22T15:00:00.000Z' },
          { window: 'day', used: 40, limit: 1000, remaining: 960, resets_at: '2026-11-23T00:00:00.000Z' },
        ],
        state: 'ok',
      },
    },
  })
  services!: Record<string, QuotaServiceResponse>;
}

/** Whitelists the fields of each snapshot into the API.md shape. */
export function toQuotaOverview(usages: readonly QuotaUsage[]): QuotaOverviewResponse {
  return {
    services: Object.fromEntries(
      usages.map((usage) => [
        usage.service,
        {
          windows: usage.windows.map((w) => ({
            window: w.window,
            used: w.used,
            limit: w.limit,
            remaining: w.remaining,
            resets_at: w.resetsAt.toISOString(),
          })),
          state: usage.state,
        },
      ]),
    ),
  };
}
