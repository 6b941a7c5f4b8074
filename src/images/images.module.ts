import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GenerationModule } from '../generation/generation.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ImageEntity } from './image.entity.js';
import { ImagesController } from './images.controller.js';
import { ImagesMetrics } from './images.metrics.js';
import { ImagesRepository } from './images.repository.js';
import { ImagesService } from './images.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([ImageEntity]), StorageModule, GenerationModule],
  controllers: [ImagesController],
  providers: [ImagesRepository, ImagesService, ImagesMetrics],
  exports: [ImagesService],
})
export class ImagesModule {}
