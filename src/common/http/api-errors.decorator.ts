import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, DECORATORS, getSchemaPath, type HeaderObject } from '@nestjs/swagger';
import { ErrorResponseDto, RefusedErrorResponseDto } from './error-response.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; the message says which field and why',
  401: 'Admin key missing',
  403: 'Admin key wrong, or not a loopback client',
  404: 'No such image (or it was deleted)',
  409: 'The item is full of featured images',
  413: 'The body is larger than allowed',
  422: 'The provider refused the prompt (`reason` says why), or a picture could not be read',
  429: 'Too many requests; Retry-After says when to try again',
  502: 'The provider answered without a usable image',
  503: 'The provider is over quota or unavailable; see Retry-After',
  504: 'The provider did not answer in time',
};

const RETRY_AFTER: Record<string, HeaderObject> = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
};

/**
 * Documents error responses, all JSON in Nest's shape (also on routes that answer WebP when
 * they succeed). A status the route already documents is left alone (Swagger would otherwise
 * repeat its description), so decorators that add their own, like RateLimited's 429, combine
 * with a route's list in either order.
 */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const documented: Record<string, unknown> = Reflect.getMetadata(DECORATORS.API_RESPONSE, descriptor?.value ?? target) ?? {};
    const decorators = statuses
      .filter((status) => !(status in documented))
      .map((status) =>
        ApiResponse({
          status,
          description: DESCRIPTIONS[status],
          content: { 'application/json': { schema: { $ref: getSchemaPath(status === 422 ? RefusedErrorResponseDto : ErrorResponseDto) } } },
          ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
        }),
      );
    applyDecorators(ApiExtraModels(ErrorResponseDto, RefusedErrorResponseDto), ...decorators)(target, key!, descriptor!);
  };
}
