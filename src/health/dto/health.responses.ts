import { ApiProperty } from '@nestjs/swagger';

export class LiveResponse {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
}
