import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; the message says which field and why',
  401: 'Admin key missing',
  403: 'Admin key wrong, or not a loopback client',
  404: 'No such image (or it was deleted)',
  409: 'The item is full of featured images',
  413: 'The body is larger than allowed',
  422: 'The provider refused the prompt (safety); `reason` says why',
  429: 'Too many requests; Retry-After says when to try again',
  502: 'The provider answered without a usable image',
  503: 'The provider is over quota or unavailable; see Retry-After',
  504: 'The provider did not answer in time',
};

/** Documents error responses, all in Nest's error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })),
  );
}
