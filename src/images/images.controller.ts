import { applyDecorators, Body, Delete, Get, HttpCode, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';
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
import { sendImageFile } from './image-file.http.js';
import { ImagesService } from './images.service.js';
import { NativeApiController } from '../common/http/api-versions.js';

@NativeApiController('images', 'images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post('generate')
  @RateLimited('images')
  @ApiOperation({
    summary: 'Generate an image from a prompt and store it',
    description: 'With `references` (image ids) and/or `characters` (item ids, whose featured image is used), the model is shown those pictures to keep them consistent.',
  })
  @ApiCreatedResponse({ type: ImageDto })
  @ApiErrors(400, 409, 413, 422, 429, 502, 503, 504)
  async generate(@Body() body: GenerateImageDto): Promise<ImageDto> {
    return toImageDto(await this.images.generate({ ...body, references: referenceRequestOf(body) }));
  }

  @Post(':id/edit')
  @RateLimited('images')
  @ApiOperation({
    summary: 'Edit an image: the model is shown it with an instruction; the answer is stored as a new image with `parentId`',
  })
  @ApiCreatedResponse({ type: ImageDto })
  @ApiErrors(400, 404, 409, 413, 422, 429, 502, 503, 504)
  async edit(@UuidParam('id') id: string, @Body() body: EditImageDto): Promise<ImageDto> {
    return toImageDto(await this.images.edit(id, body));
  }

  @Get('search')
  @ApiOperation({ summary: 'Search and page through stored images (soft-deleted ones never appear)' })
  @ApiOkResponse({ type: ImagePageDto })
  @ApiErrors(400)
  async search(@Query() query: SearchImagesQueryDto): Promise<ImagePageDto> {
    const page = await this.images.search(query);
    return { ...page, items: page.items.map(toImageDto) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One image’s details' })
  @ApiOkResponse({ type: ImageDto })
  @ApiErrors(400, 404)
  async findOne(@UuidParam('id') id: string): Promise<ImageDto> {
    return toImageDto(await this.images.findOne(id));
  }

  @Get(':id/full')
  @ApiImageFile('The full-size WebP (immutable; strong ETag, 304 on If-None-Match)')
  full(@UuidParam('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.sendVariant(id, 'full', request, response);
  }

  @Get(':id/thumbnail')
  @ApiImageFile('The thumbnail WebP (same caching as full)')
  thumbnail(@UuidParam('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.sendVariant(id, 'thumbnail', request, response);
  }

  @Put(':id/feature')
  @ApiOperation({ summary: 'Feature an image: no body toggles, `{ featured }` sets (idempotent)' })
  @ApiBody({ type: FeatureImageDto, required: false })
  @ApiOkResponse({ type: ImageDto })
  @ApiErrors(400, 404)
  async feature(@UuidParam('id') id: string, @Body() body: FeatureImageDto = {}): Promise<ImageDto> {
    return toImageDto(await this.images.setFeatured(id, body.featured));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Soft-delete an image; its files stay until orphan cleanup purges them' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async remove(@UuidParam('id') id: string): Promise<void> {
    await this.images.softDelete(id);
  }

  private async sendVariant(id: string, variant: ImageVariant, request: Request, response: Response): Promise<void> {
    sendImageFile(request, response, await this.images.readFile(id, variant));
  }
}

/** Swagger for a route answering immutable WebP bytes. */
function ApiImageFile(summary: string): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary }),
    ApiProduces('image/webp'),
    ApiOkResponse({ description: 'WebP bytes', schema: { type: 'string', format: 'binary' } }),
    ApiResponse({ status: 304, description: 'Not modified: the If-None-Match ETag is current' }),
    ApiErrors(400, 404),
  );
}
