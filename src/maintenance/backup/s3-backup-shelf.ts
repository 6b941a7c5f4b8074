import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Settings } from '../../config/app-config.js';
import { s3ClientFor } from '../../storage/s3-image-store.js';
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
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: this.prefix, ContinuationToken: continuationToken }));
      for (const object of page.Contents ?? []) {
        const name = object.Key!.slice(this.prefix.length);
        if (!name.includes('/')) found.push({ name, sizeBytes: object.Size ?? 0 });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return found;
  }

  /** Checked, then put: backups are taken one at a time, across replicas too (the job's lease). */
  async putIfAbsent(localArchive: string, name: string): Promise<boolean> {
    const key = this.prefix + name;
    if (await this.exists(key)) return false;
    const sizeBytes = (await this.files.size(localArchive)) ?? 0;
    const [hash] = await Promise.all([
      sha256Of(createReadStream(localArchive)),
      this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: createReadStream(localArchive), ContentLength: sizeBytes })),
    ]);
    const stored = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
    if ((await sha256Of(stored.Body as Readable)) !== hash) {
      await this.remove(name);
      throw new Error(`the backup read back from ${this.location} differs from the one written; it was removed again`);
    }
    return true;
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
      if (isNotFound(error)) return null;
      throw error;
    }
    const path = join(dir, localName);
    await this.files.ensureWritableDirectory(dir);
    await pipeline(object.Body as Readable, createWriteStream(path, { flags: 'wx' }));
    return path;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound');
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
