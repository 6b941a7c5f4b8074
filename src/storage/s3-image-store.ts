import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomUUID } from 'node:crypto';
import { IMMUTABLE_CACHE_CONTROL } from '../common/http/send-immutable-file.js';
import type { S3Settings } from '../config/app-config.js';
import { ImageStore, type StoredObject } from './image-store.js';
import { isMissingObject, listObjectPages, MAX_PAGE_SIZE, s3ClientFor } from './s3-bucket.js';
import { imageFileName, type ImageVariant, parseImageFileName } from './storage-paths.js';

/** Images in an S3 bucket (AWS, MinIO, R2, Ceph…) under S3_PREFIX, named as on disk: `full/<id>.webp`. */
export class S3ImageStore extends ImageStore {
  readonly driver = 's3';
  /** Set by close(): the SDK would quietly open new sockets, so a late caller is told instead. */
  private closed = false;

  constructor(
    private readonly settings: S3Settings,
    private readonly openClient: S3Client = s3ClientFor(settings),
    /** Keys per listing call; tests make it small to see the paging. */
    private readonly pageSize = MAX_PAGE_SIZE,
  ) {
    super();
  }

  private get client(): S3Client {
    if (this.closed) throw new Error(`The image store (${this.location}) was closed: the service is shutting down`);
    return this.openClient;
  }

  get location(): string {
    return `s3://${this.settings.bucket}/${this.settings.prefix}`;
  }

  /** Nothing to make: the bucket is the operator's, and readiness reports whether it answers. */
  async prepare(): Promise<void> {}

  /** A PUT is whole or nothing: no temp object is needed. */
  async write(imageId: string, variant: ImageVariant, data: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(imageId, variant), Body: data, ContentType: 'image/webp', CacheControl: IMMUTABLE_CACHE_CONTROL }),
    );
  }

  async read(imageId: string, variant: ImageVariant): Promise<Buffer | null> {
    return this.readKey(this.keyOf(imageId, variant));
  }

  async remove(imageId: string, variant: ImageVariant): Promise<void> {
    await this.removeKey(this.keyOf(imageId, variant));
  }

  async removeListed(object: StoredObject): Promise<void> {
    await this.removeKey(this.settings.prefix + object.name);
  }

  async *list(): AsyncIterable<StoredObject[]> {
    const { bucket, prefix } = this.settings;
    for await (const page of listObjectPages(this.client, bucket, prefix, this.pageSize)) {
      yield page.flatMap((object) => {
        const name = object.Key!.slice(prefix.length);
        const parsed = parseImageFileName(name);
        return parsed ? [{ name, ...parsed, sizeBytes: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) }] : [];
      });
    }
  }

  /** Under `.probe/`, which no listing of images includes. */
  async probe(): Promise<void> {
    const key = `${this.settings.prefix}.probe/${randomUUID()}`;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: 'probe' }));
      if ((await this.readKey(key)) === null) throw new Error(`The bucket did not give back ${key} just written`);
    } finally {
      await this.removeKey(key).catch(() => undefined); // the write's own error says more
    }
  }

  /** A presigned GET, answered with the same headers the service's own file route sends. */
  override temporaryUrl(imageId: string, variant: ImageVariant, seconds: number): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.settings.bucket,
      Key: this.keyOf(imageId, variant),
      ResponseCacheControl: IMMUTABLE_CACHE_CONTROL,
      ResponseContentType: 'image/webp',
    });
    return getSignedUrl(this.client, command, { expiresIn: seconds });
  }

  /** Where presigned URLs point: the endpoint (path style) or the bucket's own host. */
  override get temporaryUrlOrigin(): string {
    const { endpoint, bucket, region, forcePathStyle } = this.settings;
    const base = new URL(endpoint ?? `https://s3.${region}.amazonaws.com`);
    return forcePathStyle ? base.origin : `${base.protocol}//${bucket}.${base.host}`;
  }

  private keyOf(imageId: string, variant: ImageVariant): string {
    return this.settings.prefix + imageFileName(imageId, variant);
  }

  override async close(): Promise<void> {
    this.closed = true;
    this.openClient.destroy();
  }

  private async readKey(key: string): Promise<Buffer | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw error;
    }
  }

  private async removeKey(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }));
  }
}
