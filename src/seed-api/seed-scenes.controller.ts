import { Delete, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminOnly } from '../common/auth/admin.guard.js';
import { Clock } from '../common/clock.js';
import { RateLimited } from '../common/rate-limit/rate-limited.decorator.js';
import { LOCATION_SCENE_ASPECT_RATIO, locationSceneDescription } from '../scenes/location-scene.js';
import { ApiIdempotent, IdempotencyKey } from '../jobs/dto/job.dto.js';
import { SceneJobs } from '../scenes/scene-jobs.js';
import { type SceneCommand, ScenesService } from '../scenes/scenes.service.js';
import { SeedImageDto } from './dto/seed-image.dto.js';
import { SeedClearScenesQueryDto, SeedDeletedDto, SeedSceneQueryDto, SeedSceneStatsDto } from './dto/seed-scene.dto.js';
import { SeedApiController } from './seed-api-controller.decorator.js';
import { SeedApiErrorResponses } from './seed-api-responses.decorator.js';
import { percent, toSeedImage } from './seed-presenter.js';

/** `/api/v1/scenes`: the old scene routes over the one scene cache. */
@SeedApiController('scenes', 'scenes')
export class SeedScenesController {
  constructor(
    private readonly scenes: ScenesService,
    private readonly sceneJobs: SceneJobs,
    private readonly clock: Clock,
  ) {}

  @Post('generate')
  @HttpCode(200)
  @RateLimited('scenes')
  @ApiOperation({
    summary: 'A scene’s picture, from the cache when drawn before',
    description: 'Location, time of day and weather make the key: a scene drawn before (and not expired or deleted) is answered from the cache (`X-Cache: HIT`), else it is generated and cached.',
  })
  @ApiOkResponse({ type: SeedImageDto, headers: { 'X-Cache': { description: 'HIT or MISS', schema: { type: 'string', enum: ['HIT', 'MISS'] } } } })
  @SeedApiErrorResponses(422, 429, 502, 503, 504)
  @ApiIdempotent()
  async generate(
    @Query() query: SeedSceneQueryDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SeedImageDto> {
    const command: SceneCommand = {
      description: locationSceneDescription({ location: query.location, timeOfDay: query.time_of_day, weather: query.weather }),
      aspectRatio: LOCATION_SCENE_ASPECT_RATIO,
      forceRegenerate: query.force_regenerate,
      itemId: query.location,
    };
    const scene = await this.sceneJobs.answer(command, { idempotencyKey });
    response.setHeader('X-Cache', scene.cached ? 'HIT' : 'MISS');
    return toSeedImage(scene.image, query.location);
  }

  @Get('cache/stats')
  @ApiOperation({ summary: 'Scene cache statistics', description: 'Entries and hits, in the old backend’s shape.' })
  @ApiOkResponse({ type: SeedSceneStatsDto })
  async stats(): Promise<SeedSceneStatsDto> {
    const stats = await this.scenes.stats();
    return {
      total_scenes: stats.entries,
      active_cache_entries: stats.activeEntries,
      expired: stats.expiredEntries,
      cache_hit_rate: percent(stats.hitRate),
      timestamp: this.clock.now().toISOString(),
    };
  }

  @Delete('cache/clear')
  @AdminOnly()
  @ApiOperation({ summary: 'Clear the scene cache (admin)', description: 'All of it, or one `location`’s scenes; the images stay in the gallery.' })
  @ApiOkResponse({ type: SeedDeletedDto })
  @SeedApiErrorResponses(401, 403, 422)
  async clear(@Query() { location }: SeedClearScenesQueryDto): Promise<SeedDeletedDto> {
    if (location === undefined) return { deleted: await this.scenes.clear(), message: 'Cleared all scene cache' };
    return { deleted: await this.scenes.clearForItem(location), message: `Cleared cache for ${location}` };
  }
}
