import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';

/**
 * Field rules shared by create and patch. Transforms only normalise strings; any other type is
 * left as sent so that the validators reject it instead of coercing it.
 */
// `@IsOptional()` would also let `null` through; absent and null are different mistakes here.
const unlessAbsent = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);

const trimString = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
// ASCII only: String#toUpperCase would turn 'ſ' into 'S' or 'ﬀ' into 'FF' and accept them as symbols.
const upperAscii = (s: string): string => s.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
const normaliseTickers = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((item: unknown) => (typeof item === 'string' ? upperAscii(item.trim()) : item)) : value;

export const NameField = (required: boolean): PropertyDecorator =>
  applyDecorators(
    (required ? ApiProperty : ApiPropertyOptional)({ description: 'Trimmed; 1-50 characters', minLength: 1, maxLength: 50, example: 'Tech' }),
    ...(required ? [] : [unlessAbsent()]),
    Transform(trimString),
    IsString(),
    Length(1, 50, { message: 'name must be 1-50 characters after trimming' }),
  );

export const TickersField = (required: boolean): PropertyDecorator =>
  applyDecorators(
    (required ? ApiProperty : ApiPropertyOptional)({
      description: 'Trimmed and upper-cased; each an active symbol of the ticker list; no duplicates',
      type: [String],
      minItems: 1,
      maxItems: 5,
      example: ['AAPL', 'MSFT'],
    }),
    ...(required ? [] : [unlessAbsent()]),
    Transform(normaliseTickers),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(5),
    IsString({ each: true }),
    Matches(/^[A-Z]{1,5}$/, { each: true, message: 'each ticker must be 1-5 letters A-Z' }),
    ArrayUnique(undefined, { message: 'tickers must not repeat a symbol (compared after trimming and upper-casing)' }),
  );

export const TimeframeDaysField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ minimum: 1, maximum: 365, default: 7, type: 'integer' }),
    unlessAbsent(),
    IsInt(),
    Min(1),
    Max(365),
  );

export const IncludeExtendedHoursField = (): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ default: false, type: Boolean }), unlessAbsent(), IsBoolean());
