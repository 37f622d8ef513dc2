import { ApiProperty } from '@nestjs/swagger';
import type { CircuitStateName } from '../../resilience/circuit-breaker.registry';

const STATES: CircuitStateName[] = ['CLOSED', 'OPEN', 'HALF_OPEN'];

export class CircuitStatesDto {
  @ApiProperty({ enum: STATES, example: 'CLOSED', description: 'DynamoDB as the system of record (configurations, quota)' })
  dynamodb!: CircuitStateName;

  @ApiProperty({ enum: STATES, example: 'CLOSED', description: 'DynamoDB as the OHLC cache layer, which the providers can bypass' })
  dynamodb_cache!: CircuitStateName;

  @ApiProperty({ enum: STATES, example: 'CLOSED' })
  s3!: CircuitStateName;

  @ApiProperty({ enum: STATES, example: 'CLOSED' })
  tiingo!: CircuitStateName;

  @ApiProperty({ enum: STATES, example: 'OPEN' })
  finnhub!: CircuitStateName;
}

export class CircuitsResponse {
  @ApiProperty({ type: CircuitStatesDto, description: 'State of each dependency circuit breaker' })
  circuits!: CircuitStatesDto;
}
