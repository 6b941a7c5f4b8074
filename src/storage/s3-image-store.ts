import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomUUID } from 'node:crypto';
import { IMMUTABLE_CACHE_CONTROL } from '../common/http/send-immutable-file.js';
import type { S3Settings } from '../config/app-config.js';
import { ImageStore, type StoredObject } from './image-store.js';
import { imageFileName, type ImageVariant, parseImageFileName } from './storage-paths.js';

/** A bucket's page: ListObjectsV2 answers at most 1,000 keys per call. */
const PAGE_SIZE = 1000;

/** The S3 client for these settings (also what backups to the bucket use). */
export function s3ClientFor(settings: S3Settings): S3Client {
  // The lockfile pins an SDK that supports Node 20; its notice that later ones will not is not the operator's to act on at every boot.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.accessKeyId && settings.secretAccessKey ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined,
    // Checksums only where S3 requires them: not every S3-compatible store knows the newer headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Images in an S3 bucket (AWS, MinIO, R2, Ceph…) under S3_PREFIX, named as on disk: `full/<id>.webp`. */
export class S3ImageStore extends ImageStore {
  readonly driver = 's3';

  constructor(
    private readonly settings: S3Settings,
    private readonly client: S3Client = s3ClientFor(settings),
    /** Keys per listing call; tests make it small to see the paging. */
    private readonly pageSize = PAGE_SIZE,
  ) {
    super();
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
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: this.pageSize, ContinuationToken: continuationToken }));
      yield (page.Contents ?? []).flatMap((object) => {
        const name = object.Key!.slice(prefix.length);
        const parsed = parseImageFileName(name);
        return parsed ? [{ name, ...parsed, sizeBytes: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) }] : [];
      });
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
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
    this.client.destroy();
  }

  private async readKey(key: string): Promise<Buffer | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) return null;
      throw error;
    }
  }

  private async removeKey(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }));
  }
}
