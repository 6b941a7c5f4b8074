import { Injectable } from '@nestjs/common';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { removeIfExists } from '../common/fs-if-exists.js';
import { StoragePaths } from './storage-paths.js';

/** Thin adapter around the filesystem: every file the service writes goes through here. */
@Injectable()
export class FileStore {
  constructor(private readonly paths: StoragePaths) {}

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
}
