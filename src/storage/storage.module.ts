import { Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FileStore } from './file-store.js';
import { FsImageStore } from './fs-image-store.js';
import { ImageProcessor } from './image-processor.js';
import { ImageStore } from './image-store.js';
import { S3ImageStore } from './s3-image-store.js';
import { StoragePaths } from './storage-paths.js';

@Module({
  providers: [
    { provide: StoragePaths, inject: [AppConfig], useFactory: (config: AppConfig) => new StoragePaths(config.storage.dir) },
    FileStore,
    {
      provide: ImageStore,
      inject: [AppConfig, StoragePaths, FileStore],
      useFactory: (config: AppConfig, paths: StoragePaths, files: FileStore) =>
        config.storage.driver === 's3' ? new S3ImageStore(config.storage.s3!) : new FsImageStore(paths, files),
    },
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
