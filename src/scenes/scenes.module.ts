import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GenerationModule } from '../generation/generation.module.js';
import { ImagesModule } from '../images/images.module.js';
import { SceneCacheCounters, SceneCacheEntry } from './scene-cache-entry.entity.js';
import { ScenesController } from './scenes.controller.js';
import { ScenesRepository } from './scenes.repository.js';
import { ScenesService } from './scenes.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([SceneCacheEntry, SceneCacheCounters]), ImagesModule, GenerationModule],
  controllers: [ScenesController],
  providers: [ScenesRepository, ScenesService],
  exports: [ScenesService],
})
export class ScenesModule {}
