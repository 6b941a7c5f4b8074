import type { AppConfig } from '../config/app-config.js';
import { FileStore } from './file-store.js';
import { FsImageStore } from './fs-image-store.js';
import type { ImageStore, StorageDriver } from './image-store.js';
import { S3ImageStore } from './s3-image-store.js';
import { StoragePaths } from './storage-paths.js';

/** The image store of one kind, as the configuration describes it (the server's, or the other side of a copy). */
export function imageStoreFor(driver: StorageDriver, config: AppConfig): ImageStore {
  if (driver === 'fs') {
    const paths = new StoragePaths(config.storage.dir);
    return new FsImageStore(paths, new FileStore(paths));
  }
  if (!config.storage.s3) throw new Error('S3_BUCKET (and the other S3_* settings) must name the bucket');
  return new S3ImageStore(config.storage.s3);
}
