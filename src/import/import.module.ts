import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ImagesModule } from '../images/images.module.js';
import { ScenesModule } from '../scenes/scenes.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ImportBodyMiddleware } from './import-body.middleware.js';
import { LocalStorageImportController } from './local-storage-import.controller.js';
import { LocalStorageImportService } from './local-storage-import.service.js';

@Module({
  imports: [ImagesModule, ScenesModule, StorageModule],
  controllers: [LocalStorageImportController],
  providers: [LocalStorageImportService, ImportBodyMiddleware],
  exports: [LocalStorageImportService, ImportBodyMiddleware],
})
export class ImportModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ImportBodyMiddleware).forRoutes(LocalStorageImportController);
  }
}
