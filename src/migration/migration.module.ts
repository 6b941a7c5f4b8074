import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ImagesModule } from '../images/images.module.js';
import { ScenesModule } from '../scenes/scenes.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ImportBodyMiddleware } from './import-body.middleware.js';
import { MigrationController } from './migration.controller.js';
import { MigrationService } from './migration.service.js';

@Module({
  imports: [ImagesModule, ScenesModule, StorageModule],
  controllers: [MigrationController],
  providers: [MigrationService, ImportBodyMiddleware],
  exports: [MigrationService, ImportBodyMiddleware],
})
export class MigrationModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ImportBodyMiddleware).forRoutes(MigrationController);
  }
}
