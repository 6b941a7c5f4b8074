import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import { FileStore } from '../../src/storage/file-store.js';
import { FsImageStore } from '../../src/storage/fs-image-store.js';
import { StoragePaths } from '../../src/storage/storage-paths.js';
import { captureCliOutput } from '../support/cli-output.js';
import { createTestBucket, describeWithS3, type TestBucket } from '../support/s3.js';

const IMAGES = 1000;

/** Every file under a folder, by relative name, with its bytes. */
async function filesIn(root: string): Promise<Map<string, Buffer>> {
  const entries = (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  return new Map(await Promise.all(entries.map(async (entry) => [join(entry.parentPath, entry.name).slice(root.length + 1), await readFile(join(entry.parentPath, entry.name))] as const)));
}

describeWithS3('npm run storage:copy (runCli), a folder of 1,000 images to a bucket and back', () => {
  let dir: string;
  let bucket: TestBucket;
  const folder = (name: string) => join(dir, name);
  const env = (imagesDir: string): Record<string, string> => ({ ...bucket.env, STORAGE_DRIVER: 'fs', IMAGE_STORAGE_DIR: imagesDir, DATABASE_URL: `sqlite:///${join(dir, 'unused.db')}` });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dnd-storage-copy-'));
    bucket = await createTestBucket();
    // Each file different bytes: "exactly" means every one of them came back.
    const paths = new StoragePaths(folder('source'));
    const store = new FsImageStore(paths, new FileStore(paths));
    await store.prepare();
    for (let n = 0; n < IMAGES; n++) {
      const id = randomUUID();
      await store.write(id, 'full', randomBytes(2000 + (n % 50) * 40));
      await store.write(id, 'thumbnail', randomBytes(300 + (n % 7)));
    }
    // Not the store's to copy: a write's leftover, and a file it never writes.
    await writeFile(join(folder('source'), 'full', `${randomUUID()}.webp.0123456789ab.tmp`), 'half');
    await writeFile(join(folder('source'), 'full', 'notes.txt'), 'mine');
  }, 60_000);
  afterAll(async () => {
    await bucket?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies every image file into the bucket, verified, and reports it', async () => {
    const { lines, output } = captureCliOutput();
    expect(await runCli(['storage-copy', '--to', 's3'], env(folder('source')), output)).toBe(0);
    expect(lines).toContain(`out: Copied ${2 * IMAGES} files (${((await sumOfSizes(folder('source'))) / 1024 / 1024).toFixed(1)} MB), each read back with the same sha256; 0 were already there`);
    expect(lines.at(-1)).toBe('out: Now set STORAGE_DRIVER=s3 and restart; the folder is left as it was.');
    const keys = await bucket.keys();
    expect(keys).toHaveLength(2 * IMAGES);
    expect(keys.every((key) => /^images\/(full|thumbnails)\/[0-9a-f-]{36}\.webp$/.test(key))).toBe(true);
  }, 120_000);

  it('resumes: a second run copies only what is missing or differs in the bucket', async () => {
    const keys = await bucket.keys();
    for (const key of keys.slice(0, 10)) await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.settings.bucket, Key: key }));
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.settings.bucket, Key: keys[10], Body: 'not the same bytes' }));
    const { lines, output } = captureCliOutput();
    expect(await runCli(['storage-copy', '--to', 's3'], env(folder('source')), output)).toBe(0);
    expect(lines.find((line) => line.startsWith('out: Copied'))).toMatch(new RegExp(`^out: Copied 11 files \\(.+\\), each read back with the same sha256; ${2 * IMAGES - 11} were already there$`));
  }, 120_000);

  it('copies the bucket back into an empty folder: the same files, byte for byte', async () => {
    const { output } = captureCliOutput();
    expect(await runCli(['storage-copy', '--to', 'fs'], env(folder('back')), output)).toBe(0);
    const source = await filesIn(folder('source'));
    const back = await filesIn(folder('back'));
    const imageFiles = [...source.keys()].filter((name) => name.endsWith('.webp')).sort();
    expect([...back.keys()].sort()).toEqual(imageFiles);
    expect(imageFiles.filter((name) => !source.get(name)!.equals(back.get(name)!))).toEqual([]);
  }, 120_000);

  it('says what is missing: where to copy to, and a bucket to copy into', async () => {
    const missingTo = captureCliOutput();
    expect(await runCli(['storage-copy'], env(folder('source')), missingTo.output)).toBe(2);
    expect(missingTo.lines.join('\n')).toMatch(/required option '--to <driver>' not specified/);
    const wrongTo = captureCliOutput();
    expect(await runCli(['storage-copy', '--to', 'gcs'], env(folder('source')), wrongTo.output)).not.toBe(0);
    expect(wrongTo.lines.join('\n')).toContain('--to must be one of fs, s3 (got "gcs")');
    const noBucket = captureCliOutput();
    const withoutBucket = { ...env(folder('source')), S3_BUCKET: '' };
    expect(await runCli(['storage-copy', '--to', 's3'], withoutBucket, noBucket.output)).toBe(1);
    expect(noBucket.lines).toEqual(['err: Set S3_BUCKET (and S3_ENDPOINT, the keys, S3_PREFIX as the service will use them) to name the bucket']);
  });
});

async function sumOfSizes(root: string): Promise<number> {
  const files = await filesIn(root);
  return [...files.entries()].filter(([name]) => name.endsWith('.webp')).reduce((sum, [, data]) => sum + data.length, 0);
}
