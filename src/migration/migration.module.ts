import { Module } from '@nestjs/common';
import { ImagesModule } from '../images/images.module.js';
import { ScenesModule } from '../scenes/scenes.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { MigrationController } from './migration.controller.js';
import { MigrationService } from './migration.service.js';

@Module({
  imports: [ImagesModule, ScenesModule, StorageModule],
  controllers: [MigrationController],
  providers: [MigrationService],
  exports: [MigrationService],
})
export class MigrationModule {}
