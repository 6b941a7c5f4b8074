import { createHash } from 'node:crypto';
import { messageOf } from '../common/errors.js';
import type { ImageStore, StoredObject } from './image-store.js';

export interface StoreCopyReport {
  /** Written to the target and read back with the same sha256. */
  copied: number;
  copiedBytes: number;
  /** Already in the target with the same sha256 (an earlier, interrupted run's work). */
  alreadyThere: number;
  /** What could not be copied, and why; the rest is copied all the same. */
  failed: Array<{ name: string; reason: string }>;
}

/** How many files are in flight at once: enough to hide a bucket's latency, few enough for a laptop. */
const DEFAULT_CONCURRENCY = 8;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Copies every image file of one store into another (a folder into a bucket, or back), each
 * verified by reading it back and comparing its sha256. Resumable: a file the target already
 * holds with the same bytes is left as it is, so a run cut off is simply run again. The source
 * is never changed; temp files and names the store never writes are not copied.
 */
export async function copyImageStore(from: ImageStore, to: ImageStore, options: { concurrency?: number; onFile?: (report: StoreCopyReport) => void } = {}): Promise<StoreCopyReport> {
  const report: StoreCopyReport = { copied: 0, copiedBytes: 0, alreadyThere: 0, failed: [] };
  const copyOne = async (object: StoredObject & { imageId: string }) => {
    try {
      const data = await from.read(object.imageId, object.variant);
      if (!data) throw new Error('it went from the source during the copy');
      const hash = sha256(data);
      const existing = await to.read(object.imageId, object.variant);
      if (existing && sha256(existing) === hash) {
        report.alreadyThere++;
        return;
      }
      await to.write(object.imageId, object.variant, data);
      const written = await to.read(object.imageId, object.variant);
      if (!written || sha256(written) !== hash) throw new Error('the copy read back differs from the source');
      report.copied++;
      report.copiedBytes += data.length;
    } catch (error) {
      report.failed.push({ name: object.name, reason: messageOf(error) });
    } finally {
      options.onFile?.(report);
    }
  };
  await to.prepare();
  for await (const page of from.list()) {
    const files = page.filter((object): object is StoredObject & { imageId: string } => object.imageId !== null && !object.partial);
    await inBatches(files, options.concurrency ?? DEFAULT_CONCURRENCY, copyOne);
  }
  return report;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
