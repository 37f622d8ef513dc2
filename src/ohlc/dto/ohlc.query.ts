import { applyDecorators, Injectable, PipeTransform } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { type FieldError, ValidationFailedError } from '../../common/errors';
import type { RangePreset } from '../../market-calendar/market-calendar';
import { RESOLUTIONS, type Resolution } from '../candle.model';

export const RANGE_PRESETS: readonly RangePreset[] = ['1D', '1W', '1M', '3M', '6M', 'YTD', '1Y'];

/** The query of GET /api/v2/tickers/{ticker}/ohlc once each parameter is valid on its own. */
export interface OhlcQuery {
  readonly resolution: Resolution;
  readonly range?: RangePreset;
  readonly start_date?: string;
  readonly end_date?: string;
}

/**
 * The query's OpenAPI parameters. The controller's query parameter is typed by an interface, so
 * the global class-validator pipe leaves it to OhlcQueryPipe (this hot path runs without
 * class-transformer/class-validator), and nothing is reflected: the documentation is spelled out.
 */
export function ApiOhlcQuery(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'resolution', required: false, enum: RESOLUTIONS, schema: { default: 'D' }, description: 'Minutes per bar (1, 5, 15, 30, 60) or D for daily' }),
    ApiQuery({
      name: 'range',
      required: false,
      enum: RANGE_PRESETS,
      description: 'Preset ending at today\'s market date (America/New_York); default 1M when no dates are given',
    }),
    ApiQuery({ name: 'start_date', required: false, schema: { type: 'string', format: 'date', example: '2026-10-22' }, description: 'YYYY-MM-DD; with end_date, not with range' }),
    ApiQuery({ name: 'end_date', required: false, schema: { type: 'string', format: 'date', example: '2026-11-20' }, description: 'YYYY-MM-DD; with start_date, not with range' }),
  );
}

const DECLARED = new Set(['resolution', 'range', 'start_date', 'end_date']);
const RESOLUTION_VALUES: readonly unknown[] = RESOLUTIONS;
const RANGE_VALUES: readonly unknown[] = RANGE_PRESETS;
const RESOLUTION_MESSAGE = `resolution must be one of the following values: ${RESOLUTIONS.join(', ')}`;
const RANGE_MESSAGE = `range must be one of the following values: ${RANGE_PRESETS.join(', ')}`;

/**
 * Names the generic class-transformer step never copied onto the DTO (members of
 * Object.prototype): the strict pipe reported them after the per-field errors, and so do we.
 */
function isPrototypeMember(name: string): boolean {
  return name in Object.prototype;
}

/**
 * Checks each parameter on its own, with the rules, messages and error order the generic
 * StrictValidationPipe gave this query (whitelist first, then resolution, range, start_date,
 * end_date, then names of Object.prototype members), so the 400 envelope stays as it was.
 */
export function checkOhlcQuery(raw: unknown): { readonly query: OhlcQuery } | { readonly errors: FieldError[] } {
  const params = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const late: FieldError[] = [];
  for (const name of Object.keys(params)) {
    if (DECLARED.has(name)) continue;
    (isPrototypeMember(name) ? late : errors).push({ field: name, message: `property ${name} should not exist` });
  }
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(params, name);
  // resolution has a default and no @IsOptional: any value given is checked. The others are
  // optional, and null counts as absent, as it did for @IsOptional.
  const resolution = has('resolution') ? params.resolution : 'D';
  const range = has('range') ? (params.range ?? undefined) : undefined;
  const start = has('start_date') ? (params.start_date ?? undefined) : undefined;
  const end = has('end_date') ? (params.end_date ?? undefined) : undefined;
  if (!RESOLUTION_VALUES.includes(resolution)) errors.push({ field: 'resolution', message: RESOLUTION_MESSAGE });
  if (range !== undefined && !RANGE_VALUES.includes(range)) errors.push({ field: 'range', message: RANGE_MESSAGE });
  if (start !== undefined && typeof start !== 'string') errors.push({ field: 'start_date', message: 'start_date must be a string' });
  if (end !== undefined && typeof end !== 'string') errors.push({ field: 'end_date', message: 'end_date must be a string' });
  errors.push(...late);
  if (errors.length > 0) return { errors };
  return {
    query: {
      resolution: resolution as Resolution,
      ...(range === undefined ? {} : { range: range as RangePreset }),
      ...(start === undefined ? {} : { start_date: start as string }),
      ...(end === undefined ? {} : { end_date: end as string }),
    },
  };
}

/** `@Query(OhlcQueryPipe)`: the checked query, or 400 VALIDATION_FAILED listing every bad parameter. */
@Injectable()
export class OhlcQueryPipe implements PipeTransform<unknown, OhlcQuery> {
  transform(value: unknown): OhlcQuery {
    const checked = checkOhlcQuery(value);
    if ('errors' in checked) throw new ValidationFailedError(checked.errors);
    return checked.query;
  }
}
