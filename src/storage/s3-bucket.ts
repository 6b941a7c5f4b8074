import { ListObjectsV2Command, NoSuchKey, type _Object, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Settings } from '../config/app-config.js';

/** A bucket's page: ListObjectsV2 answers at most 1,000 keys per call. */
export const MAX_PAGE_SIZE = 1000;

/** The S3 client for these settings (the image store, backups to the bucket, the tests' buckets). */
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

/** Every object under `prefix`, a page at a time (the listing's continuation tokens followed). */
export async function* listObjectPages(client: S3Client, bucket: string, prefix: string, pageSize = MAX_PAGE_SIZE): AsyncIterable<_Object[]> {
  let continuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: continuationToken }));
    yield page.Contents ?? [];
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}

/**
 * The key is not in the bucket: a GET's NoSuchKey or a HEAD's bare 404. Any other 404 (a
 * missing bucket, a wrong endpoint) is a fault of the setup and must not read as "not there".
 */
export function isMissingObject(error: unknown): boolean {
  return error instanceof NoSuchKey || (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound'));
}

/** A conditional write refused (If-None-Match: the key exists already). */
export function isPreconditionFailed(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412;
}

/** The store does not implement what the request asked for (older S3-compatibles and conditional writes). */
export function isNotImplemented(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 501;
}
