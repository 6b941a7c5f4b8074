import { randomUUID } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { FileStore } from './file-store.js';
import { ImageStore, type StoredObject } from './image-store.js';
import { type ImageVariant, parseImageFileName, StoragePaths } from './storage-paths.js';

/** How many files a listing page holds (a bucket's page size, for the same memory either way). */
const PAGE_SIZE = 1000;

/** Images in IMAGE_STORAGE_DIR: each write to a temp file renamed into place. */
export class FsImageStore extends ImageStore {
  readonly driver = 'fs';

  constructor(
    private readonly paths: StoragePaths,
    private readonly files: FileStore,
  ) {
    super();
  }

  get location(): string {
    return this.paths.root;
  }

  /** Folders are made at boot, so the first request never races to make them. */
  async prepare(): Promise<void> {
    await Promise.all(this.paths.directories.map((dir) => mkdir(dir, { recursive: true })));
  }

  write(imageId: string, variant: ImageVariant, data: Uint8Array): Promise<void> {
    return this.files.writeAtomic(this.paths.variantPath(imageId, variant), data);
  }

  read(imageId: string, variant: ImageVariant): Promise<Buffer | null> {
    return this.files.read(this.paths.variantPath(imageId, variant)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
  }

  remove(imageId: string, variant: ImageVariant): Promise<void> {
    return this.files.remove(this.paths.variantPath(imageId, variant));
  }

  removeListed(object: StoredObject): Promise<void> {
    return this.files.remove(join(this.paths.root, object.name));
  }

  async *list(): AsyncIterable<StoredObject[]> {
    for (const { dir } of this.paths.variantDirectories) {
      const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      for (let start = 0; start < names.length; start += PAGE_SIZE) {
        const page = await Promise.all(names.slice(start, start + PAGE_SIZE).map((name) => this.describe(join(dir, name))));
        yield page.filter((object): object is StoredObject => object !== null);
      }
    }
  }

  async probe(): Promise<void> {
    const path = this.paths.tempPathFor(join(this.paths.directories[0], `probe-${randomUUID()}`));
    try {
      await this.files.writeAtomic(path, Buffer.from('probe'));
      await this.files.read(path);
    } finally {
      await this.files.remove(path);
    }
  }

  private async describe(path: string): Promise<StoredObject | null> {
    const name = relative(this.paths.root, path).split(sep).join('/');
    const parsed = parseImageFileName(name);
    const info = await stat(path).catch(() => null); // gone meanwhile: nothing to judge
    return parsed && info?.isFile() ? { name, ...parsed, sizeBytes: info.size, modifiedAt: info.mtime } : null;
  }
}
