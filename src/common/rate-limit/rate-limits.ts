import type { AppConfig } from '../../config/app-config.js';

/**
 * The named limits. A route opts in to exactly one with `@RateLimited(name)`; each is counted
 * per client over RATE_LIMIT_WINDOW_SECONDS, independently of the others, and shared by every
 * route that names it (both versions' generate and the edit route count as `images`).
 */
export const RATE_LIMITS = {
  images: { what: 'image generation', limit: (config: AppConfig) => config.rateLimit.requestsPerMinute },
  scenes: { what: 'scene generation', limit: (config: AppConfig) => config.rateLimit.scenesPerMinute },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

export const RATE_LIMIT_NAMES = Object.keys(RATE_LIMITS) as RateLimitName[];

/** Route metadata: the name of the one limit the route opted in to. */
export const RATE_LIMIT_METADATA = 'rate-limit:name';
