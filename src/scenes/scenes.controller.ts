import { Body, Delete, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminOnly } from '../common/auth/admin.guard.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { RateLimited } from '../common/rate-limit/rate-limited.decorator.js';
import { referenceRequestOf } from '../images/dto/drawing-options.dto.js';
import { toImageDto } from '../images/dto/image.dto.js';
import { ClearSceneCacheDto, GenerateSceneDto, SceneCacheStatsDto, SceneDto, toSceneCacheStatsDto } from './dto/generate-scene.dto.js';
import { SceneJobs } from './scene-jobs.js';
import { type SceneResult, ScenesService } from './scenes.service.js';
import { AcceptedJobDto, acceptJob, AnswerAsked, ApiJobCapable, jobOptions } from '../jobs/dto/job.dto.js';
import { NativeApiController } from '../common/http/api-versions.js';

@NativeApiController('scenes', 'scenes')
export class ScenesController {
  constructor(
    private readonly scenes: ScenesService,
    private readonly sceneJobs: SceneJobs,
  ) {}

  @Post('generate')
  @RateLimited('scenes')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Art for a scene description, from the cache when drawn before',
    description: 'A description seen before (and not expired or deleted) is answered from the cache (`X-Cache: HIT`); otherwise it is generated, stored and cached (`MISS`); identical requests at once share one generation. The same description with other `characters` or `references` is another cache entry (their pictures’ content is part of the key).',
  })
  @ApiOkResponse({ type: SceneDto, headers: { 'X-Cache': { description: 'HIT or MISS', schema: { type: 'string', enum: ['HIT', 'MISS'] } } } })
  @ApiJobCapable()
  @ApiErrors(400, 413, 422, 429, 502, 503, 504)
  async generate(@Body() body: GenerateSceneDto, @AnswerAsked() asked: AnswerAsked, @Res({ passthrough: true }) response: Response): Promise<SceneDto | AcceptedJobDto> {
    const { callbackUrl, ...fields } = body;
    const command = { ...fields, references: referenceRequestOf(body) };
    const options = jobOptions(asked, callbackUrl);
    let scene: SceneResult;
    if (asked.async) {
      // A hit is answered at once all the same: there is nothing to wait for.
      const answer = await this.sceneJobs.answerOrSubmit(command, options);
      if ('job' in answer) return acceptJob(response, answer.job);
      scene = answer.hit;
    } else {
      scene = await this.sceneJobs.answer(command, options);
    }
    response.setHeader('X-Cache', scene.cached ? 'HIT' : 'MISS');
    return {
      cached: scene.cached,
      cacheKey: scene.cacheKey,
      expiresAt: scene.expiresAt.toISOString(),
      hitCount: scene.hitCount,
      image: toImageDto(scene.image),
    };
  }

  @Get('cache/stats')
  @ApiOperation({ summary: 'Scene cache statistics', description: 'Entries (active and expired), hits, misses, hit rate and bytes, read from the database, so they survive restarts and count every replica.' })
  @ApiOkResponse({ type: SceneCacheStatsDto })
  async stats(): Promise<SceneCacheStatsDto> {
    return toSceneCacheStatsDto(await this.scenes.stats());
  }

  @Delete('cache/clear')
  @AdminOnly()
  @ApiOperation({ summary: 'Clear the scene cache (admin)', description: 'Removes every scene cache entry; the images stay in the gallery.' })
  @ApiOkResponse({ type: ClearSceneCacheDto })
  async clear(): Promise<ClearSceneCacheDto> {
    return { cleared: await this.scenes.clear() };
  }
}
