import { ManualClock } from '../../test/support/clock.js';
import { ServiceStart } from '../common/service-start.js';
import { parseAppConfig } from '../config/app-config.js';
import type { DatabaseDialect } from '../database/database-dialect.js';
import type { ImageEntity } from '../images/image.entity.js';
import type { ImagesService } from '../images/images.service.js';
import type { GenerationJobs } from '../jobs/generation-jobs.service.js';
import type { ScenesService } from '../scenes/scenes.service.js';
import type { ImageStore, StoredObject } from '../storage/image-store.js';
import { parseImageFileName } from '../storage/storage-paths.js';
import type { BackupService } from './backup/backup.service.js';
import { IN_FLIGHT_GRACE_MS, MaintenanceService } from './maintenance.service.js';

const NOW = new Date('2026-03-10T03:30:00Z');
const ACTIVE = '00000000-0000-4000-8000-00000000000a';
const DELETED_LONG_AGO = '00000000-0000-4000-8000-00000000000d';
const ORPHAN = '00000000-0000-4000-8000-0000000000ff';

const file = (name: string, ageMs: number, sizeBytes = 100): StoredObject => ({
  name,
  ...parseImageFileName(name)!,
  sizeBytes,
  modifiedAt: new Date(NOW.getTime() - ageMs),
});
const OLD = IN_FLIGHT_GRACE_MS + 1;

/** The service over fakes of the images, the file store and the rest; records what it purged and removed. */
function setup() {
  const purged: string[][] = [];
  const cutoffs: Date[] = [];
  const removed: string[] = [];
  const stored = [
    file(`full/${ACTIVE}.webp`, OLD), // the active image has its full file, but no thumbnail
    file(`full/${DELETED_LONG_AGO}.webp`, OLD),
    file(`thumbnails/${ORPHAN}.webp`, OLD, 40), // no row at all
    file(`full/${ORPHAN}.webp`, 60_000), // no row, but young: a write may be in flight
    file(`full/${ACTIVE}.webp.0123456789ab.tmp`, OLD, 7), // a stale temp file
    file('full/notes.txt', OLD, 3), // not a name this service writes: not its to remove
  ];
  const images = {
    deletedBefore: async (cutoff: Date) => {
      cutoffs.push(cutoff);
      return [{ id: DELETED_LONG_AGO, sizeBytes: 100, thumbnailSizeBytes: 0 } as ImageEntity];
    },
    idsForFileCheck: async () => ({ known: new Set([ACTIVE, DELETED_LONG_AGO]), active: [ACTIVE] }),
    purge: async (ids: string[]) => {
      purged.push(ids);
      return { deletedImages: ids.length, freedBytes: 100 * ids.length };
    },
  } as unknown as ImagesService;
  const store = {
    // Two pages, as a bucket would answer.
    async *list() {
      yield stored.slice(0, 2);
      yield stored.slice(2);
    },
    removeListed: async (object: StoredObject) => {
      removed.push(object.name);
    },
  } as unknown as ImageStore;
  const clock = new ManualClock(NOW);
  const service = new MaintenanceService(
    parseAppConfig({ IMAGE_PURGE_AFTER_DAYS: '7' }, '/data'),
    clock,
    images,
    {} as ScenesService,
    {} as GenerationJobs,
    store,
    {} as BackupService,
    {} as DatabaseDialect,
    new ServiceStart(clock),
  );
  return { service, purged, removed, cutoffs };
}

describe('MaintenanceService.cleanupOrphans', () => {
  it('reports in a dry run what it would remove, and removes nothing', async () => {
    const { service, purged, removed } = setup();
    expect(await service.cleanupOrphans({ dryRun: true })).toEqual({
      dryRun: true,
      deletedImages: 1,
      deletedFiles: 2, // the old orphan and the stale temp file
      freedBytes: 100 + 40 + 7,
      missingFiles: [{ imageId: ACTIVE, variant: 'thumbnail' }],
    });
    expect([purged, removed]).toEqual([[], []]);
  });

  it('purges deletions past IMAGE_PURGE_AFTER_DAYS, removes settled strays, spares young files, reports missing ones', async () => {
    const { service, purged, removed, cutoffs } = setup();
    const result = await service.cleanupOrphans({ dryRun: false });
    expect(cutoffs).toEqual([new Date(NOW.getTime() - 7 * 86_400_000)]);
    expect(purged).toEqual([[DELETED_LONG_AGO]]);
    expect(removed.sort()).toEqual([`full/${ACTIVE}.webp.0123456789ab.tmp`, `thumbnails/${ORPHAN}.webp`]);
    expect(result).toEqual({ dryRun: false, deletedImages: 1, deletedFiles: 2, freedBytes: 100 + 40 + 7, missingFiles: [{ imageId: ACTIVE, variant: 'thumbnail' }] });
  });
});
