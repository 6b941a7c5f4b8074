import { Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FileStore } from './file-store.js';
import { ImageProcessor } from './image-processor.js';
import { StoragePaths } from './storage-paths.js';

@Module({
  providers: [
    { provide: StoragePaths, inject: [AppConfig], useFactory: (config: AppConfig) => new StoragePaths(config.storage.dir) },
    FileStore,
    ImageProcessor,
  ],
  exports: [StoragePaths, FileStore, ImageProcessor],
})
export class StorageModule implements OnModuleInit {
  constructor(private readonly files: FileStore) {}

  /** Folders are created at boot, so the first request never races to make them. */
  async onModuleInit(): Promise<void> {
    await this.files.ensureDirectories();
  }
}
