import { Injectable } from '@nestjs/common';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { removeIfExists } from '../common/fs-if-exists.js';
import { join } from 'node:path';
import { type ImageVariant, StoragePaths } from './storage-paths.js';

export interface StoredFile {
  path: string;
  name: string;
  variant: ImageVariant;
  sizeBytes: number;
  modifiedAt: Date;
}

/** Thin adapter around the filesystem: every file the service writes goes through here. */
@Injectable()
export class FileStore {
  constructor(private readonly paths: StoragePaths) {}

  async ensureDirectories(): Promise<void> {
    await Promise.all(this.paths.directories.map((dir) => mkdir(dir, { recursive: true })));
  }

  /** Writes to a temp name, then renames: a reader never sees half a file. */
  async writeAtomic(path: string, data: Uint8Array): Promise<void> {
    const temp = this.paths.tempPathFor(path);
    try {
      await writeFile(temp, data, { flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      await this.remove(temp);
      throw error;
    }
  }

  read(path: string): Promise<Buffer> {
    return readFile(path);
  }

  /** Removes a file; a file that is already gone is not an error. */
  async remove(path: string): Promise<void> {
    await removeIfExists(path);
  }

  /** Every file in the image folders (whatever its name), for cleanup to judge. */
  async listStored(): Promise<StoredFile[]> {
    const listed = await Promise.all(
      this.paths.variantDirectories.map(async ({ variant, dir }) => {
        const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return [];
          throw error;
        });
        const files = await Promise.all(
          names.map(async (name) => {
            const path = join(dir, name);
            const info = await stat(path).catch(() => null); // gone meanwhile: nothing to judge
            return info?.isFile() ? { path, name, variant, sizeBytes: info.size, modifiedAt: info.mtime } : null;
          }),
        );
        return files.filter((file): file is StoredFile => file !== null);
      }),
    );
    return listed.flat();
  }
}
