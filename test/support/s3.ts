import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import type { S3Settings } from '../../src/config/app-config.js';
import { listObjectPages, s3ClientFor } from '../../src/storage/s3-bucket.js';
import { describeIf } from './describe-if.js';

/** TEST_S3_ENDPOINT: an S3-compatible server on loopback (.ci/run starts s3rver; `npm run s3:local` does too). */
export const TEST_S3_ENDPOINT = process.env.TEST_S3_ENDPOINT;

export const S3_SKIP_REASON = 'skipped: run `npm run s3:local` and set TEST_S3_ENDPOINT=http://127.0.0.1:4568 to run';

/** `describe` when TEST_S3_ENDPOINT is set; otherwise the suite is skipped and says why. */
export const describeWithS3 = (name: string, body: () => void): void => describeIf(TEST_S3_ENDPOINT !== undefined, name, S3_SKIP_REASON, body);

/** s3rver's own credentials: it checks every signature against them. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestBucket {
  settings: S3Settings;
  /** The same as environment variables, for an app or a child process. */
  env: Record<string, string>;
  client: S3Client;
  /** Every key in the bucket, sorted. */
  keys(): Promise<string[]>;
  drop(): Promise<void>;
}

/** A fresh bucket of its own on TEST_S3_ENDPOINT, keys under `prefix`. */
export async function createTestBucket(prefix = 'images/'): Promise<TestBucket> {
  if (!TEST_S3_ENDPOINT) throw new Error(`An S3 test bucket needs TEST_S3_ENDPOINT (${S3_SKIP_REASON})`);
  const settings: S3Settings = { endpoint: TEST_S3_ENDPOINT, bucket: `dnd-test-${randomBytes(6).toString('hex')}`, region: 'us-east-1', forcePathStyle: true, prefix, ...CREDENTIALS };
  const client = s3ClientFor(settings);
  await client.send(new CreateBucketCommand({ Bucket: settings.bucket }));
  const keys = async () => {
    const found: string[] = [];
    for await (const page of listObjectPages(client, settings.bucket, '')) found.push(...page.map((object) => object.Key!));
    return found.sort();
  };
  return {
    settings,
    env: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: TEST_S3_ENDPOINT,
      S3_BUCKET: settings.bucket,
      S3_REGION: settings.region,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: prefix,
      S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    },
    client,
    keys,
    drop: async () => {
      for (let all = await keys(); all.length > 0; all = await keys()) {
        await client.send(new DeleteObjectsCommand({ Bucket: settings.bucket, Delete: { Objects: all.slice(0, 1000).map((Key) => ({ Key })) } }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: settings.bucket }));
      client.destroy();
    },
  };
}
