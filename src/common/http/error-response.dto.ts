import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Nest's error shape; documented once, referenced by every route's error responses. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['prompt must be longer than or equal to 3 characters'],
  })
  message!: string | string[];
}

/** A 422: the same shape, with the provider's reason when it refused a prompt. */
export class RefusedErrorResponseDto extends ErrorResponseDto {
  @ApiPropertyOptional({ description: 'Why the provider refused the prompt (its finish or block reason), when it did', example: 'SAFETY' })
  reason?: string;
}

/** A failed job's error: the body its route would have answered (a refusal's reason too), with that answer's Retry-After. */
export class JobErrorDto extends RefusedErrorResponseDto {
  @ApiPropertyOptional({ description: 'The seconds the route’s Retry-After would have said (quota, an outage)', example: 3600 })
  retryAfterSeconds?: number;
}
