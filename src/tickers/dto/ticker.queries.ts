import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
// Only plain digit strings become numbers: "1.5", "1e1" or "" stay strings and fail @IsInt.
const digitsToNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value;

export class SearchTickersQuery {
  @ApiProperty({ description: 'Symbol or part of a company name (case-insensitive)', minLength: 1, maxLength: 50 })
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  q!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 20, default: 10 })
  @Transform(digitsToNumber)
  @IsInt()
  @Min(1)
  @Max(20)
  limit: number = 10;
}

export class ValidateTickerQuery {
  @ApiProperty({ description: 'Symbol to check; trimmed and upper-cased', minLength: 1, maxLength: 20, example: 'AAPL' })
  @Transform(trim)
  @IsString()
  @Length(1, 20)
  symbol!: string;
}
