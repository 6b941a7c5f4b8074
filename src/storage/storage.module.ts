import { Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FileStore } from './file-store.js';
import { ImageProcessor } from './image-processor.js';
import { ImageStore } from './image-store.js';
import { imageStoreFor } from './image-store.factory.js';
import { StoragePaths } from './storage-paths.js';

@Module({
  providers: [
    { provide: StoragePaths, inject: [AppConfig], useFactory: (config: AppConfig) => new StoragePaths(config.storage.dir) },
    FileStore,
    { provide: ImageStore, inject: [AppConfig], useFactory: (config: AppConfig) => imageStoreFor(config.storage.driver, config) },
    ImageProcessor,
  ],
  exports: [FileStore, ImageStore, ImageProcessor],
})
export class StorageModule implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly store: ImageStore) {}

  async onModuleInit(): Promise<void> {
    await this.store.prepare();
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }
}
