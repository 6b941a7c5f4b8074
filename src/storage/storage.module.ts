import { Global, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FileStore } from './file-store.js';
import { ImageProcessor } from './image-processor.js';
import { ImageStore } from './image-store.js';
import { imageStoreFor } from './image-store.factory.js';
import { StoragePaths } from './storage-paths.js';

/**
 * Global for its lifecycle as much as its providers: Nest closes global modules last, so the
 * store (an S3 client's sockets) outlives the HTTP server's last request and the queue's last
 * running job, which close before it.
 */
@Global()
@Module({
  providers: [
    { provide: StoragePaths, inject: [AppConfig], useFactory: (config: AppConfig) => new StoragePaths(config.storage.dir) },
    FileStore,
    { provide: ImageStore, inject: [AppConfig], useFactory: (config: AppConfig) => imageStoreFor(config.storage.driver, config) },
    ImageProcessor,
  ],
  exports: [FileStore, ImageStore, ImageProcessor],
})
export class StorageModule implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly store: ImageStore) {}

  async onModuleInit(): Promise<void> {
    await this.store.prepare();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
