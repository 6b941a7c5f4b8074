import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { NotFoundError } from '../common/errors.js';
import { ApiIdempotent, IdempotencyKey } from '../jobs/dto/job.dto.js';
import { GenerationJobs } from '../jobs/generation-jobs.service.js';
import { AppConfig } from '../config/app-config.js';
import { RateLimited } from '../common/rate-limit/rate-limited.decorator.js';
import { ImagesService } from '../images/images.service.js';
import {
  SeedDeleteResultDto,
  SeedFeatureResultDto,
  SeedGenerateImageDto,
  SeedGetImageQueryDto,
  SeedImageDto,
  SeedImageIdParamsDto,
  SeedImagePageDto,
  SeedImageWithDataDto,
  SeedSearchImagesQueryDto,
} from './dto/seed-image.dto.js';
import { SeedApiController } from './seed-api-controller.decorator.js';
import { SeedApiErrorResponses } from './seed-api-responses.decorator.js';
import { toSeedImage, withBase64Data } from './seed-presenter.js';

/** `/api/v1/images`: the old backend's images routes, answered by the same ImagesService as v2. */
@SeedApiController('images', 'images')
export class SeedImagesController {
  constructor(
    private readonly images: ImagesService,
    private readonly jobs: GenerationJobs,
    private readonly config: AppConfig,
  ) {}

  @Post('generate')
  @HttpCode(200)
  @RateLimited('images')
  @ApiOperation({ summary: 'Generate and store an image', description: 'The old contract: answers 200 with the image, its integer `id` and its WebP as base64.' })
  @ApiOkResponse({ type: SeedImageDto })
  @SeedApiErrorResponses(409, 422, 429, 502, 503, 504)
  @ApiIdempotent()
  async generate(@Body() body: SeedGenerateImageDto, @IdempotencyKey() idempotencyKey: string | undefined): Promise<SeedImageDto> {
    const command = {
      prompt: body.prompt,
      customPrompt: body.custom_prompt,
      itemId: body.subject_name,
      itemType: body.subject_type,
      aspectRatio: body.aspect_ratio,
      component: body.component,
      // Off by default: the old backend never showed the model a picture.
      references: this.config.seedApi.autoReferences && body.subject_name ? { characterIds: [body.subject_name], skipUnfeatured: true } : undefined,
    };
    return toSeedImage(await this.jobs.perform('image', command, { idempotencyKey }));
  }

  @Get('search')
  @ApiOperation({ summary: 'Search and page through images', description: 'Featured first, then newest; soft-deleted images never appear. Filters and paging as the old backend took them.' })
  @ApiOkResponse({ type: SeedImagePageDto })
  @SeedApiErrorResponses(422)
  async search(@Query() query: SeedSearchImagesQueryDto): Promise<SeedImagePageDto> {
    const page = await this.images.search({
      itemId: query.subject_name || undefined,
      itemType: query.subject_type || undefined,
      featured: query.is_featured,
      sort: 'featured-first',
      page: query.page,
      pageSize: query.page_size,
    });
    return {
      items: page.items.map((image) => toSeedImage(image)),
      total: page.total,
      page: page.page,
      page_size: page.pageSize,
      total_pages: page.totalPages,
    };
  }

  @Get(':image_id')
  @ApiOperation({ summary: 'One image', description: 'With its WebP as base64 unless `include_data=false`; each call counts a use, as the old backend did.' })
  @ApiOkResponse({ type: SeedImageWithDataDto })
  @SeedApiErrorResponses(404, 422)
  async findOne(@Param() { image_id }: SeedImageIdParamsDto, @Query() query: SeedGetImageQueryDto, @Res() response: Response): Promise<void> {
    const image = this.images.recordUse(await this.images.findByNumber(image_id));
    if (!query.include_data) {
      response.json(toSeedImage(image));
      return;
    }
    // A missing file reads as no data, as the old backend answered it.
    const file = await this.images.readFile(image.id, 'full').catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    response.type('application/json').send(withBase64Data(toSeedImage(image), file?.bytes ?? null));
  }

  @Put(':image_id/feature')
  @ApiOperation({ summary: 'Toggle featured', description: 'Featuring an image un-features the subject’s others, as the old backend did.' })
  @ApiOkResponse({ type: SeedFeatureResultDto })
  @SeedApiErrorResponses(404, 422)
  async feature(@Param() { image_id }: SeedImageIdParamsDto): Promise<SeedFeatureResultDto> {
    const found = await this.images.findByNumber(image_id);
    const image = await this.images.setFeatured(found.id, undefined, { onlyOneInItem: true });
    return { id: image.number, is_featured: image.featured, subject_name: toSeedImage(image).subject_name };
  }

  @Delete(':image_id')
  @ApiOperation({ summary: 'Delete an image', description: 'A soft delete: its row and files stay until orphan cleanup purges them.' })
  @ApiOkResponse({ type: SeedDeleteResultDto })
  @SeedApiErrorResponses(404, 422)
  async remove(@Param() { image_id }: SeedImageIdParamsDto): Promise<SeedDeleteResultDto> {
    const image = await this.images.findByNumber(image_id);
    await this.images.softDelete(image.id);
    return { id: image.number, status: 'deleted', message: 'Image marked for deletion' };
  }
}
