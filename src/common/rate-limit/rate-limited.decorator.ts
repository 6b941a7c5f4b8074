import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiErrors } from '../http/api-errors.decorator.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RATE_LIMIT_METADATA, type RateLimitName } from './rate-limits.js';

/**
 * Opts a route in to exactly one named per-client limit (see RATE_LIMITS): past it the route
 * answers 429 with Retry-After, and every answer carries X-RateLimit-Limit/-Remaining/-Reset.
 * Routes without it are never limited.
 */
export function RateLimited(name: RateLimitName): MethodDecorator {
  return applyDecorators(SetMetadata(RATE_LIMIT_METADATA, name), UseGuards(RateLimitGuard), ApiErrors(429));
}
