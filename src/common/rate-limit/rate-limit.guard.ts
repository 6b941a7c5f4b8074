import { type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config.js';
import { RATE_LIMIT_METADATA, RATE_LIMITS, type RateLimitName } from './rate-limits.js';

/**
 * Counts a request against the one limit its route opted in to with `@RateLimited(name)`;
 * other routes, and everything when RATE_LIMIT_ENABLED=false, pass untouched.
 *
 * The client is `req.ip` (the base guard's tracker, which groups IPv6 addresses by /64, since
 * one host usually owns a whole /64). With TRUST_PROXY set, Express makes `req.ip` the address
 * the proxy saw rather than the proxy's own, so clients behind nginx are told apart.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  // Declared again so Nest injects from this class's metadata (the base is compiled CommonJS).
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.config.rateLimit.enabled || limitNameOf(this.reflector, context) === undefined;
  }

  /**
   * Called once per named throttler. The base version would count the route against every one
   * and name the headers after it (`X-RateLimit-Limit-images`); here only the route's own limit
   * counts, so clients get the plain, conventional names.
   */
  protected override async handleRequest({ context, limit, ttl, throttler, blockDuration, getTracker }: ThrottlerRequest): Promise<boolean> {
    const name = throttler.name!;
    if (name !== limitNameOf(this.reflector, context)) return true;
    const { req, res } = this.getRequestResponse(context);
    const tracker = await getTracker(req, context);
    // One count per limit and client, whatever the route: v1's and v2's generate, and edits,
    // all spend the same money (the base guard's key would count each route apart).
    const key = `${name}:${tracker}`;
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    this.setResponseHeader(res, 'X-RateLimit-Limit', limit);
    this.setResponseHeader(res, 'X-RateLimit-Remaining', Math.max(0, limit - record.totalHits));
    this.setResponseHeader(res, 'X-RateLimit-Reset', record.timeToExpire);
    if (record.isBlocked) await this.throwThrottlingException(context, { ...record, limit, ttl, key, tracker });
    return true;
  }

  /** 429 in Nest's error shape (the error filter adds `error`), saying when to come back. */
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    this.setResponseHeader(this.getRequestResponse(context).res, 'Retry-After', retryAfter);
    const what = RATE_LIMITS[limitNameOf(this.reflector, context)!].what;
    throw new HttpException(
      `Too many ${what} requests: at most ${detail.limit} per ${detail.ttl / 1000} s per client. Try again in ${retryAfter} s.`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

function limitNameOf(reflector: Reflector, context: ExecutionContext): RateLimitName | undefined {
  return reflector.get<RateLimitName | undefined>(RATE_LIMIT_METADATA, context.getHandler());
}
