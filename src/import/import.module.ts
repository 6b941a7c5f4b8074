import { type MiddlewareConsumer, Module, type NestModule, type OnModuleInit } from '@nestjs/common';
import { OwnBodyRoutes } from '../common/http/own-body-routes.js';
import { ImagesModule } from '../images/images.module.js';
import { ScenesModule } from '../scenes/scenes.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { IMPORT_PATHS, ImportBodyMiddleware } from './import-body.middleware.js';
import { LocalStorageImportController } from './local-storage-import.controller.js';
import { LocalStorageImportService } from './local-storage-import.service.js';

@Module({
  imports: [ImagesModule, ScenesModule, StorageModule],
  controllers: [LocalStorageImportController],
  providers: [LocalStorageImportService, ImportBodyMiddleware],
  exports: [LocalStorageImportService, ImportBodyMiddleware],
})
export class ImportModule implements NestModule, OnModuleInit {
  constructor(private readonly ownBodies: OwnBodyRoutes) {}

  /** The import's bodies (up to MIGRATION_MAX_MB) are this module's to read, not the general parser's. */
  onModuleInit(): void {
    this.ownBodies.claim(IMPORT_PATHS);
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ImportBodyMiddleware).forRoutes(LocalStorageImportController);
  }
}
