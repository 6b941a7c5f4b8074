import { applyDecorators, Body, Delete, Get, HttpCode, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { UuidParam } from '../common/http/validation.js';
import { RateLimited } from '../common/rate-limit/rate-limited.decorator.js';
import type { ImageVariant } from '../storage/storage-paths.js';
import { FeatureImageDto } from './dto/feature-image.dto.js';
import { referenceRequestOf } from './dto/drawing-options.dto.js';
import { EditImageDto, GenerateImageDto } from './dto/generate-image.dto.js';
import { ImageDto, toImageDto } from './dto/image.dto.js';
import { ImagePageDto, SearchImagesQueryDto } from './dto/search-images.dto.js';
import { sendImageFile, sendImageFileLink } from './image-file.http.js';
import { ImagesService } from './images.service.js';
import { NativeApiController } from '../common/http/api-versions.js';
import { AcceptedJobDto, acceptJob, AnswerAsked, ApiJobCapable, jobOptions } from '../jobs/dto/job.dto.js';
import { GenerationJobs } from '../jobs/generation-jobs.service.js';

/** What the file routes send with the bytes and with a 304 (decorators below read it at class definition). */
const FILE_HEADERS = {
  ETag: { description: 'Strong ETag: the file’s content hash', schema: { type: 'string' } },
  'Cache-Control': { description: '`public, max-age=31536000, immutable`', schema: { type: 'string' } },
};

@NativeApiController('images', 'images')
export class ImagesController {
  constructor(
    private readonly images: ImagesService,
    private readonly jobs: GenerationJobs,
  ) {}

  @Post('generate')
  @RateLimited('images')
  @ApiOperation({
    summary: 'Generate an image from a prompt and store it',
    description: 'With `references` (image ids) and/or `characters` (item ids, whose featured image is used), the model is shown those pictures to keep them consistent.',
  })
  @ApiCreatedResponse({ type: ImageDto })
  @ApiJobCapable()
  @ApiErrors(400, 409, 413, 422, 429, 502, 503, 504)
  async generate(@Body() body: GenerateImageDto, @AnswerAsked() asked: AnswerAsked, @Res({ passthrough: true }) response: Response): Promise<ImageDto | AcceptedJobDto> {
    const { callbackUrl, ...fields } = body;
    const command = { ...fields, references: referenceRequestOf(body) };
    const options = jobOptions(asked, callbackUrl);
    if (asked.async) return acceptJob(response, await this.jobs.submit('image', command, options));
    return toImageDto(await this.jobs.perform('image', command, options));
  }

  @Post(':id/edit')
  @RateLimited('images')
  @ApiOperation({
    summary: 'Edit an image with an instruction',
    description: 'The model is shown the stored picture with `instruction`; its answer is stored as a new image whose `parentId` is the source, with the source’s item, style and (unless `aspectRatio` says otherwise) aspect ratio. The source is unchanged.',
  })
  @ApiCreatedResponse({ type: ImageDto })
  @ApiJobCapable()
  @ApiErrors(400, 404, 409, 413, 422, 429, 502, 503, 504)
  async edit(
    @UuidParam('id') id: string,
    @Body() body: EditImageDto,
    @AnswerAsked() asked: AnswerAsked,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ImageDto | AcceptedJobDto> {
    const { callbackUrl, ...fields } = body;
    const request = { ...fields, parentId: id };
    const options = jobOptions(asked, callbackUrl);
    if (asked.async) return acceptJob(response, await this.jobs.submit('edit', request, options));
    return toImageDto(await this.jobs.perform('edit', request, options));
  }

  @Get('search')
  @ApiOperation({
    summary: 'Search and page through stored images',
    description: '`q` matches words at the start of the prompt’s or style’s words (accents and case ignored); the other filters are exact. Newest first unless `sort` says otherwise. Soft-deleted images never appear.',
  })
  @ApiOkResponse({ type: ImagePageDto })
  @ApiErrors(400)
  async search(@Query() query: SearchImagesQueryDto): Promise<ImagePageDto> {
    const page = await this.images.search(query);
    return { ...page, items: page.items.map(toImageDto) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One image’s details', description: 'Its metadata and the URLs of its files; 404 once it is deleted.' })
  @ApiOkResponse({ type: ImageDto })
  @ApiErrors(400, 404)
  async findOne(@UuidParam('id') id: string): Promise<ImageDto> {
    return toImageDto(await this.images.findOne(id));
  }

  @Get(':id/full')
  @ApiImageFile('The full-size WebP', 'The stored picture. Immutable: a strong ETag and a year of caching; If-None-Match with the current ETag answers 304.')
  full(@UuidParam('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.sendVariant(id, 'full', request, response);
  }

  @Get(':id/thumbnail')
  @ApiImageFile('The thumbnail WebP', 'A small WebP (THUMBNAIL_SIZE), cached like the full picture.')
  thumbnail(@UuidParam('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.sendVariant(id, 'thumbnail', request, response);
  }

  @Put(':id/feature')
  @ApiOperation({
    summary: 'Feature or unfeature an image',
    description: 'Without a body it toggles; `{ "featured": true|false }` sets (idempotent). An item holds at most MAX_IMAGES_PER_ITEM featured images (409 past it).',
  })
  @ApiBody({ type: FeatureImageDto, required: false })
  @ApiOkResponse({ type: ImageDto })
  @ApiErrors(400, 404)
  async feature(@UuidParam('id') id: string, @Body() body: FeatureImageDto = {}): Promise<ImageDto> {
    return toImageDto(await this.images.setFeatured(id, body.featured));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an image',
    description: 'A soft delete: the image disappears from every answer at once; its row and files are purged by orphan cleanup after IMAGE_PURGE_AFTER_DAYS.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async remove(@UuidParam('id') id: string): Promise<void> {
    await this.images.softDelete(id);
  }

  private async sendVariant(id: string, variant: ImageVariant, request: Request, response: Response): Promise<void> {
    const link = await this.images.fileLink(id, variant);
    if (link) sendImageFileLink(request, response, link);
    else sendImageFile(request, response, await this.images.readFile(id, variant));
  }
}

/** Swagger for a route answering immutable WebP bytes (its errors are JSON, as everywhere). */
function ApiImageFile(summary: string, description: string): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary, description }),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag a cached copy has: 304 when it is current' }),
    ApiOkResponse({ description: 'WebP bytes', content: { 'image/webp': { schema: { type: 'string', format: 'binary' } } }, headers: FILE_HEADERS }),
    ApiResponse({ status: 304, description: 'Not modified: the If-None-Match ETag is current', headers: FILE_HEADERS }),
    ApiResponse({
      status: 302,
      description: 'With S3_SERVE=redirect: the bytes are at `Location`, a presigned URL of the bucket valid 15 minutes (answered with the same immutable caching)',
      headers: { Location: { description: 'The presigned URL', schema: { type: 'string', format: 'uri' } }, ETag: FILE_HEADERS.ETag },
    }),
    ApiErrors(400, 404),
  );
}
