import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { messageOf } from '../../common/errors.js';
import type { S3Settings } from '../../config/app-config.js';
import { isMissingObject, isNotImplemented, isPreconditionFailed, listObjectPages, s3ClientFor } from '../../storage/s3-bucket.js';
import type { BackupFiles } from './backup-files.js';
import { BackupShelf, type ShelvedBackup } from './backup-shelf.js';

/**
 * Backups kept in the bucket under `<S3_PREFIX>backups/` (BACKUP_TARGET=s3), so a replica's
 * disk holds none for long. Each upload is read back and compared by sha256 before it counts.
 */
export class S3BackupShelf extends BackupShelf {
  readonly remote = true;
  private readonly prefix: string;

  constructor(
    private readonly settings: S3Settings,
    private readonly files: BackupFiles,
    private readonly client: S3Client = s3ClientFor(settings),
  ) {
    super();
    this.prefix = `${settings.prefix}backups/`;
  }

  get location(): string {
    return `s3://${this.settings.bucket}/${this.prefix}`;
  }

  async list(): Promise<ShelvedBackup[]> {
    const found: ShelvedBackup[] = [];
    for await (const page of listObjectPages(this.client, this.settings.bucket, this.prefix)) {
      for (const object of page) {
        const name = object.Key!.slice(this.prefix.length);
        if (!name.includes('/')) found.push({ name, sizeBytes: object.Size ?? 0 });
      }
    }
    return found;
  }

  /**
   * Put only where the name is free (a HEAD first, then If-None-Match for stores that honour
   * it; one that answers 501 to it gets a plain PUT), then read back: a backup that cannot be
   * shown to match what was written is removed again, so none is ever listed or restored
   * unchecked.
   */
  async putIfAbsent(localArchive: string, name: string): Promise<boolean> {
    const key = this.prefix + name;
    if (await this.exists(key)) return false;
    const sizeBytes = (await this.files.size(localArchive)) ?? 0;
    let hash: string;
    try {
      hash = await this.upload(localArchive, key, sizeBytes, { ifAbsent: true });
    } catch (error) {
      if (isPreconditionFailed(error)) return false; // another process took the name meanwhile
      if (!isNotImplemented(error)) throw error;
      hash = await this.upload(localArchive, key, sizeBytes, { ifAbsent: false }); // a store without conditional writes: the HEAD stands in
    }
    let matches: boolean;
    try {
      const stored = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      matches = (await sha256Of(stored.Body as Readable)) === hash;
    } catch (error) {
      await this.remove(name).catch(() => undefined); // the read's own error says more
      throw new Error(`the backup could not be read back from ${this.location} to check it (${messageOf(error)}); it was removed again`);
    }
    if (!matches) {
      await this.remove(name);
      throw new Error(`the backup read back from ${this.location} differs from the one written; it was removed again`);
    }
    return true;
  }

  /** Puts the archive under `key`; answers the sha256 of what was sent. */
  private async upload(localArchive: string, key: string, sizeBytes: number, { ifAbsent }: { ifAbsent: boolean }): Promise<string> {
    const [hash] = await Promise.all([
      sha256Of(createReadStream(localArchive)),
      this.client.send(
        new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: createReadStream(localArchive), ContentLength: sizeBytes, ...(ifAbsent ? { IfNoneMatch: '*' } : {}) }),
      ),
    ]);
    return hash;
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.prefix + name }));
  }

  locationOf(name: string): string {
    return `${this.location}${name}`;
  }

  async fetch(name: string, dir: string, localName: string): Promise<string | null> {
    let object;
    try {
      object = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.prefix + name }));
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw error;
    }
    const path = join(dir, localName);
    await this.files.ensureWritableDirectory(dir);
    try {
      await pipeline(object.Body as Readable, createWriteStream(path, { flags: 'wx' }));
    } catch (error) {
      await rm(path, { force: true }); // a part of a backup must never be taken for one
      throw error;
    }
    return path;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw error;
    }
  }
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
