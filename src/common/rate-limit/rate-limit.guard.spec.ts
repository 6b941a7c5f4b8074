import { HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { seconds, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { ManualClock } from '../../../test/support/clock.js';
import { parseAppConfig } from '../../config/app-config.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimited } from './rate-limited.decorator.js';
import { RATE_LIMIT_NAMES, RATE_LIMITS } from './rate-limits.js';
import { SlidingWindowThrottlerStorage } from './sliding-window.storage.js';

/** Routes marked as the controllers mark theirs: two classes share `images` (as v1's and v2's generate and the edit route do). */
class ImageRoutes {
  @RateLimited('images')
  generate(): string {
    return 'an image';
  }
}

class EditRoutes {
  @RateLimited('images')
  edit(): string {
    return 'an edited image';
  }
}

class SceneRoutes {
  @RateLimited('scenes')
  generate(): string {
    return 'a scene';
  }

  /** Not marked: never limited. */
  search(): string {
    return 'a page of scenes';
  }
}

interface Route {
  controller: new () => object;
  handler: () => string;
}

const GENERATE_IMAGE: Route = { controller: ImageRoutes, handler: ImageRoutes.prototype.generate };
const EDIT_IMAGE: Route = { controller: EditRoutes, handler: EditRoutes.prototype.edit };
const GENERATE_SCENE: Route = { controller: SceneRoutes, handler: SceneRoutes.prototype.generate };
const SEARCH_SCENES: Route = { controller: SceneRoutes, handler: SceneRoutes.prototype.search };

/** The headers the guard set, by name (Express's `res.header`, which the base guard prefers). */
class RecordedResponse {
  readonly headers: Record<string, unknown> = {};

  header(name: string, value: unknown): this {
    this.headers[name] = value;
    return this;
  }
}

/** What a request met: let through, or refused with the exception's status and message; and the headers it got either way. */
interface Answer {
  outcome: 'passed' | 'refused';
  status?: number;
  message?: string;
  headers: Record<string, unknown>;
}

/**
 * The guard as RateLimitModule configures it (one named throttler per limit, a window of
 * RATE_LIMIT_WINDOW_SECONDS, no block penalty), over the real in-memory storage on a manual
 * clock. Limits are small so tests reach them: 2 images and 1 scene per 60 s per client.
 */
async function setup(env: Record<string, string> = {}) {
  const config = parseAppConfig({ MAX_REQUESTS_PER_MINUTE: '2', SCENE_REQUESTS_PER_MINUTE: '1', ...env });
  const clock = new ManualClock();
  const options: ThrottlerModuleOptions = {
    throttlers: RATE_LIMIT_NAMES.map((name) => ({ name, limit: RATE_LIMITS[name].limit(config), ttl: seconds(config.rateLimit.windowSeconds), blockDuration: 0 })),
  };
  const guard = new RateLimitGuard(options, new SlidingWindowThrottlerStorage(clock), new Reflector(), config);
  await guard.onModuleInit(); // where the base guard reads its throttlers from the options

  /** One request from `ip` to `route`, through the guard as Nest would call it. */
  const send = async (route: Route, ip = '198.51.100.7'): Promise<Answer> => {
    const res = new RecordedResponse();
    const context = new ExecutionContextHost([{ ip, headers: {} }, res], route.controller, route.handler);
    try {
      return { outcome: (await guard.canActivate(context)) ? 'passed' : 'refused', headers: res.headers };
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      return { outcome: 'refused', status: error.getStatus(), message: error.message, headers: res.headers };
    }
  };
  return { send, clock };
}

describe('RateLimitGuard', () => {
  it('lets requests under the limit through, saying the limit, what is left and when the oldest leaves the window', async () => {
    const { send, clock } = await setup();
    expect(await send(GENERATE_IMAGE)).toEqual({ outcome: 'passed', headers: { 'X-RateLimit-Limit': 2, 'X-RateLimit-Remaining': 1, 'X-RateLimit-Reset': 60 } });
    clock.advance(10_000);
    // Plain header names: the route's own limit only, not one suffixed set per named throttler.
    expect(await send(GENERATE_IMAGE)).toEqual({ outcome: 'passed', headers: { 'X-RateLimit-Limit': 2, 'X-RateLimit-Remaining': 0, 'X-RateLimit-Reset': 50 } });
  });

  it('refuses past the limit with 429, Retry-After until a slot frees and a message naming the limit; lets the client in again then', async () => {
    const { send, clock } = await setup();
    await send(GENERATE_IMAGE);
    clock.advance(15_000);
    await send(GENERATE_IMAGE);
    clock.advance(5_000);
    expect(await send(GENERATE_IMAGE)).toEqual({
      outcome: 'refused',
      status: 429,
      message: 'Too many image generation requests: at most 2 per 60 s per client. Try again in 40 s.',
      headers: { 'X-RateLimit-Limit': 2, 'X-RateLimit-Remaining': 0, 'X-RateLimit-Reset': 40, 'Retry-After': 40 },
    });
    clock.advance(39_000);
    expect((await send(GENERATE_IMAGE)).headers['Retry-After']).toBe(1);
    clock.advance(1_000); // Retry-After was true: the first request has left the window
    expect((await send(GENERATE_IMAGE)).outcome).toBe('passed');
  });

  it('says the window it was configured with', async () => {
    const { send } = await setup({ RATE_LIMIT_WINDOW_SECONDS: '30' });
    await send(GENERATE_IMAGE);
    await send(GENERATE_IMAGE);
    expect((await send(GENERATE_IMAGE)).message).toBe('Too many image generation requests: at most 2 per 30 s per client. Try again in 30 s.');
  });

  it('counts each named limit apart, against its own size', async () => {
    const { send } = await setup();
    await send(GENERATE_IMAGE);
    await send(GENERATE_IMAGE);
    expect((await send(GENERATE_IMAGE)).status).toBe(429);
    const scene = await send(GENERATE_SCENE);
    expect(scene).toEqual({ outcome: 'passed', headers: { 'X-RateLimit-Limit': 1, 'X-RateLimit-Remaining': 0, 'X-RateLimit-Reset': 60 } });
    expect(await send(GENERATE_SCENE)).toMatchObject({ status: 429, message: 'Too many scene generation requests: at most 1 per 60 s per client. Try again in 60 s.' });
  });

  it('shares one count between every route naming the same limit', async () => {
    const { send } = await setup();
    await send(GENERATE_IMAGE);
    expect((await send(EDIT_IMAGE)).headers['X-RateLimit-Remaining']).toBe(0);
    expect((await send(EDIT_IMAGE)).status).toBe(429);
    expect((await send(GENERATE_IMAGE)).status).toBe(429);
  });

  it('counts each client apart by req.ip', async () => {
    const { send } = await setup();
    await send(GENERATE_IMAGE, '198.51.100.7');
    await send(GENERATE_IMAGE, '198.51.100.7');
    expect((await send(GENERATE_IMAGE, '198.51.100.7')).status).toBe(429);
    expect(await send(GENERATE_IMAGE, '198.51.100.8')).toMatchObject({ outcome: 'passed', headers: { 'X-RateLimit-Remaining': 1 } });
  });

  it('counts IPv6 clients by their /64, one host usually owning a whole /64', async () => {
    const { send } = await setup();
    await send(GENERATE_IMAGE, '2001:db8:1:2::a');
    await send(GENERATE_IMAGE, '2001:db8:1:2:ffff::b');
    expect((await send(GENERATE_IMAGE, '2001:db8:1:2::c')).status).toBe(429);
    expect((await send(GENERATE_IMAGE, '2001:db8:1:3::a')).outcome).toBe('passed');
  });

  it('leaves routes without @RateLimited alone: no count, no headers', async () => {
    const { send } = await setup();
    for (let i = 0; i < 5; i++) expect(await send(SEARCH_SCENES)).toEqual({ outcome: 'passed', headers: {} });
    // Nothing was counted against the client's limits meanwhile.
    expect((await send(GENERATE_SCENE)).headers['X-RateLimit-Remaining']).toBe(0);
    expect((await send(GENERATE_IMAGE)).headers['X-RateLimit-Remaining']).toBe(1);
  });

  it('with RATE_LIMIT_ENABLED=false lets everything through without headers', async () => {
    const { send } = await setup({ RATE_LIMIT_ENABLED: 'false' });
    for (let i = 0; i < 5; i++) {
      expect(await send(GENERATE_IMAGE)).toEqual({ outcome: 'passed', headers: {} });
      expect(await send(GENERATE_SCENE)).toEqual({ outcome: 'passed', headers: {} });
    }
  });
});
