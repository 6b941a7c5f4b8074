import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, link, mkdir, open, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfExists, sizeIfExists } from '../../common/fs-if-exists.js';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export interface DirectoryFile {
  name: string;
  path: string;
  sizeBytes: number;
}

/** Thin adapter around the filesystem for backups and restores. */
export class BackupFiles {
  /** Creates the directory when missing, then checks that this process may write in it. */
  async ensureWritableDirectory(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  }

  /** Regular files directly in `dir`, with their sizes; a missing directory holds none. */
  async listFiles(dir: string): Promise<DirectoryFile[]> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const files = await Promise.all(
      entries
        .filter((entry) => entry.isFile())
        .map(async (entry) => {
          const path = join(dir, entry.name);
          const size = await this.size(path);
          return size === null ? null : { name: entry.name, path, sizeBytes: size };
        }),
    );
    return files.filter((file): file is DirectoryFile => file !== null);
  }

  async size(path: string): Promise<number | null> {
    return sizeIfExists(path);
  }

  /** Removes a file; a file that is already gone is not an error. */
  async remove(path: string): Promise<void> {
    await removeIfExists(path);
  }

  /** Removes an SQLite file with its -wal and -shm companions. */
  async removeDatabase(path: string): Promise<void> {
    await Promise.all([this.remove(path), this.remove(`${path}-wal`), this.remove(`${path}-shm`)]);
  }

  /** gzips `source` into a new file `target` (never overwrites) and flushes it to disk. */
  async gzip(source: string, target: string): Promise<void> {
    await pipeline(createReadStream(source), createGzip(), createWriteStream(target, { flags: 'wx' }));
    await this.flush(target);
  }

  /** gunzips `source` into a new file `target` (never overwrites) and flushes it to disk. */
  async gunzip(source: string, target: string): Promise<void> {
    await pipeline(createReadStream(source), createGunzip(), createWriteStream(target, { flags: 'wx' }));
    await this.flush(target);
  }

  /** The first `length` bytes of a file (fewer when it is shorter). */
  async head(path: string, length: number): Promise<Buffer> {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /**
   * Gives `source` the name `target` only if no file has that name (a hard link fails with
   * EEXIST; a rename would silently replace). Answers false when the name is taken.
   * `source` stays (remove it afterwards) unless the filesystem has no hard links.
   */
  async linkIfAbsent(source: string, target: string): Promise<boolean> {
    try {
      await link(source, target);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code ?? '')) throw error;
    }
    // No hard links on this filesystem (some network and FAT mounts): check, then rename.
    if ((await this.size(target)) !== null) return false;
    await rename(source, target);
    return true;
  }

  /** Atomically replaces `target` with `source` (same directory, so the same filesystem). */
  rename(source: string, target: string): Promise<void> {
    return rename(source, target);
  }

  private async flush(path: string): Promise<void> {
    const handle = await open(path, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}
