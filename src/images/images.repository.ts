import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, IsNull, LessThanOrEqual, MoreThanOrEqual, Not, Repository } from 'typeorm';
import { DatabaseDialect, type TextMatchUse } from '../database/database-dialect.js';
import type { PendingUse } from '../common/pending-uses.js';
import { recordUses } from '../database/record-uses.js';
import { WriteLock } from '../database/write-lock.js';
import type { ImageSource } from '../generation/image-provider.js';
import { ImageEntity } from './image.entity.js';
import type { ImageSort } from './images.service.js';

export interface ImageSearchFilter {
  words: string[];
  itemId?: string;
  itemType?: string;
  featured?: boolean;
  source?: ImageSource;
  /** Edits of this image (lineage). */
  parentId?: string;
  sort: ImageSort;
  offset: number;
  limit: number;
}

/** Reads the item-limit rule needs; available inside and outside a write transaction. */
export interface ItemImagesReader {
  countActiveForItem(itemId: string): Promise<number>;
  /** The item's oldest images the per-item limit may evict: neither featured nor imported. */
  oldestEvictable(itemId: string, limit: number): Promise<ImageEntity[]>;
}

/** What a write transaction may do. */
export interface ImagesWriter extends ItemImagesReader {
  insert(image: ImageEntity): Promise<void>;
  softDelete(ids: string[], at: Date): Promise<void>;
}

const USE_COLUMNS = { key: 'id', countColumn: 'use_count', countProperty: 'useCount', lastAtProperty: 'lastUsedAt' };

/** Thin adapter around the images table. Every write runs under the in-process WriteLock. */
@Injectable()
export class ImagesRepository implements ItemImagesReader {
  constructor(
    @InjectRepository(ImageEntity) private readonly images: Repository<ImageEntity>,
    private readonly writeLock: WriteLock,
    private readonly dialect: DatabaseDialect,
  ) {}

  /** Active (not soft-deleted) image by id. */
  findActive(id: string): Promise<ImageEntity | null> {
    return this.images.findOneBy({ id });
  }

  /** The image a generation job stored, deleted or not. */
  findByJobId(jobId: string): Promise<ImageEntity | null> {
    return this.images.findOne({ where: { jobId }, withDeleted: true });
  }

  /** Active images among these ids (those missing or deleted are left out). */
  findActiveByIds(ids: string[]): Promise<ImageEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.images.findBy({ id: In(ids) });
  }

  /** Each item's featured active image (the newest, if several are featured), by item id. */
  async featuredForItems(itemIds: string[]): Promise<Map<string, ImageEntity>> {
    if (itemIds.length === 0) return new Map();
    const rows = await this.images.find({ where: { itemId: In(itemIds), featured: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    return new Map(rows.map((row) => [row.itemId!, row]));
  }

  findActiveByNumber(number: number): Promise<ImageEntity | null> {
    return this.images.findOneBy({ number });
  }

  /** Adds buffered uses to their images, in one transaction. */
  recordUses(uses: Map<string, PendingUse>): Promise<void> {
    return this.writeLock.run(() => this.images.manager.transaction((manager) => recordUses(manager, ImageEntity, USE_COLUMNS, uses)));
  }

  countActive(): Promise<number> {
    return this.images.count();
  }

  async existingNumbers(numbers: number[]): Promise<Set<number>> {
    if (numbers.length === 0) return new Set();
    const rows = await this.images.find({ where: { number: In(numbers) }, select: { number: true }, withDeleted: true });
    return new Set(rows.map((row) => row.number));
  }

  async findBySourceHashes(hashes: string[]): Promise<Map<string, ImageEntity>> {
    if (hashes.length === 0) return new Map();
    const rows = await this.images.find({ where: { sourceHash: In(hashes) }, withDeleted: true });
    return new Map(rows.map((row) => [row.sourceHash!, row]));
  }

  async existingSourceHashes(hashes: string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows = await this.images.find({ where: { sourceHash: In(hashes) }, select: { sourceHash: true }, withDeleted: true });
    return new Set(rows.map((row) => row.sourceHash!));
  }

  /** Images of a source created at or after `since`, soft-deleted ones included. */
  countCreatedSince(source: ImageSource, since: Date): Promise<number> {
    return this.images.count({ where: { source, createdAt: MoreThanOrEqual(since) }, withDeleted: true });
  }

  countActiveForItem(itemId: string): Promise<number> {
    return itemReader(this.images.manager).countActiveForItem(itemId);
  }

  oldestEvictable(itemId: string, limit: number): Promise<ImageEntity[]> {
    return itemReader(this.images.manager).oldestEvictable(itemId, limit);
  }

  /**
   * A page of live images and how many match in all. Two plain statements rather than
   * getManyAndCount, whose COUNT(DISTINCT id) sorts every match: the page walks one of the
   * live-image indexes in order and stops after `limit` rows; the count counts index entries.
   */
  async search(filter: ImageSearchFilter): Promise<[ImageEntity[], number]> {
    const matching = (use: TextMatchUse) => {
      const query = this.images.createQueryBuilder('image');
      if (filter.words.length > 0) {
        const { condition, parameters } = this.dialect.textMatch(filter.words, use);
        query.andWhere(condition, parameters);
      }
      if (filter.itemId !== undefined) query.andWhere('image.itemId = :itemId', { itemId: filter.itemId });
      if (filter.itemType !== undefined) query.andWhere('image.itemType = :itemType', { itemType: filter.itemType });
      if (filter.featured !== undefined) query.andWhere('image.featured = :featured', { featured: filter.featured });
      if (filter.source !== undefined) query.andWhere('image.source = :source', { source: filter.source });
      if (filter.parentId !== undefined) query.andWhere('image.parentId = :parentId', { parentId: filter.parentId });
      return query;
    };
    const direction = filter.sort === 'oldest' ? 'ASC' : 'DESC';
    const page = matching('page');
    // Featured first walks idx_images_live_featured backwards: no sort either.
    if (filter.sort === 'featured-first') page.orderBy('image.featured', 'DESC');
    const items = await page
      .addOrderBy('image.createdAt', direction)
      .addOrderBy('image.id', direction)
      .offset(filter.offset)
      .limit(filter.limit)
      .getMany();
    // A short page that is the last one (or the whole result) already tells the total.
    if (items.length < filter.limit && (items.length > 0 || filter.offset === 0)) return [items, filter.offset + items.length];
    const onlyWords = [filter.itemId, filter.itemType, filter.featured, filter.source, filter.parentId].every((value) => value === undefined);
    const fast = onlyWords ? await this.dialect.countLiveFast(this.images.manager, filter.words) : undefined;
    if (fast !== undefined) return [items, fast];
    const counted = await matching('count').select('COUNT(*)', 'total').getRawOne<{ total: number | string }>();
    return [items, Number(counted?.total ?? 0)];
  }

  /**
   * Sets `featured`, or flips it when `featured` is undefined; with `onlyOneInItem`, the item's
   * other images stop being featured. Null when no active image has the id.
   */
  setFeatured(id: string, featured: boolean | undefined, onlyOneInItem: boolean): Promise<{ image: ImageEntity; unfeaturedIds: string[] } | null> {
    return this.writeLock.run(() =>
      this.images.manager.transaction(async (manager) => {
        const image = await manager.findOneBy(ImageEntity, { id });
        if (!image) return null;
        image.featured = featured ?? !image.featured;
        await manager.update(ImageEntity, { id, deletedAt: IsNull() }, { featured: image.featured });
        let unfeaturedIds: string[] = [];
        if (onlyOneInItem && image.itemId !== null) {
          const others = await manager.find(ImageEntity, { where: { itemId: image.itemId, featured: true, id: Not(id) }, select: { id: true }, withDeleted: true });
          unfeaturedIds = others.map((other) => other.id);
          if (unfeaturedIds.length > 0) await manager.update(ImageEntity, { id: In(unfeaturedIds) }, { featured: false });
        }
        return { image, unfeaturedIds };
      }),
    );
  }

  /** Soft-deletes an active image; false when there was none. */
  softDelete(id: string, at: Date): Promise<boolean> {
    return this.writeLock.run(async () => {
      const result = await this.images.update({ id, deletedAt: IsNull() }, { deletedAt: at });
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * Removes rows for good and answers what they were; `keepFeatured` spares featured ones.
   * Scene entries pointing at them go too (the foreign key cascades).
   */
  purge(ids: string[], options: { keepFeatured: boolean }): Promise<ImageEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.writeLock.run(() =>
      this.images.manager.transaction(async (manager) => {
        const rows = await manager.find(ImageEntity, {
          where: { id: In(ids), ...(options.keepFeatured ? { featured: false } : {}) },
          withDeleted: true,
        });
        if (rows.length > 0) await manager.delete(ImageEntity, rows.map((row) => row.id));
        return rows;
      }),
    );
  }

  /** Soft-deleted images whose deletion is at or before `cutoff`. */
  findDeletedBefore(cutoff: Date): Promise<ImageEntity[]> {
    return this.images.find({ where: { deletedAt: LessThanOrEqual(cutoff) }, withDeleted: true });
  }

  /**
   * In one read: the id of every row, soft-deleted ones included (a file with one of these is
   * not an orphan), and the ids of active images, whose files must exist.
   */
  async idsForFileCheck(): Promise<{ known: Set<string>; active: string[] }> {
    const rows = await this.images.find({ select: { id: true, deletedAt: true }, withDeleted: true });
    return { known: new Set(rows.map((row) => row.id)), active: rows.filter((row) => row.deletedAt === null).map((row) => row.id) };
  }

  async counts(): Promise<{ total: number; active: number; deleted: number; featured: number }> {
    const [total, active, featured] = await Promise.all([
      this.images.count({ withDeleted: true }),
      this.images.count(),
      this.images.countBy({ featured: true }),
    ]);
    return { total, active, deleted: total - active, featured };
  }

  /** Runs `work` in one short transaction under the write lock. No I/O but the database inside. */
  writeTransaction<T>(work: (writer: ImagesWriter) => Promise<T>): Promise<T> {
    return this.writeLock.run(() =>
      this.images.manager.transaction((manager) => {
        const reader = itemReader(manager);
        return work({
          ...reader,
          countActiveForItem: async (itemId) => {
            await this.dialect.lockItem(manager, itemId);
            return reader.countActiveForItem(itemId);
          },
          insert: async (image) => {
            if (image.number > 0) await keepNumberTaken(manager, image.number);
            else image.number = await nextImageNumber(manager);
            await manager.insert(ImageEntity, image);
          },
          softDelete: async (ids, at) => {
            await manager.update(ImageEntity, ids, { deletedAt: at });
          },
        });
      }),
    );
  }

  async storageTotals(): Promise<{ files: number; fullBytes: number; thumbnailBytes: number }> {
    const row = await this.images
      .createQueryBuilder('image')
      .withDeleted()
      .select('COUNT(*)', 'files')
      .addSelect('COALESCE(SUM(image.sizeBytes), 0)', 'fullBytes')
      .addSelect('COALESCE(SUM(image.thumbnailSizeBytes), 0)', 'thumbnailBytes')
      .getRawOne<{ files: number; fullBytes: number; thumbnailBytes: number }>();
    return { files: Number(row?.files ?? 0), fullBytes: Number(row?.fullBytes ?? 0), thumbnailBytes: Number(row?.thumbnailBytes ?? 0) };
  }
}

/**
 * The next image number from the `images` sequence (see migration AddImageNumbersAndUse):
 * the UPDATE holds the row until the transaction ends, so concurrent writers, on any replica,
 * take numbers one after another, and a rolled-back insert gives its number back.
 */
async function nextImageNumber(manager: EntityManager): Promise<number> {
  await manager.query(`UPDATE "sequences" SET "last_value" = "last_value" + 1 WHERE "name" = 'images'`);
  const [row] = (await manager.query(`SELECT "last_value" FROM "sequences" WHERE "name" = 'images'`)) as Array<{ last_value: number | string }>;
  return Number(row.last_value);
}

/** An image that brings its own number: the sequence moves past it, so it is never handed out again. */
async function keepNumberTaken(manager: EntityManager, number: number): Promise<void> {
  await manager.query(`UPDATE "sequences" SET "last_value" = ${Number(number)} WHERE "name" = 'images' AND "last_value" < ${Number(number)}`);
}

function itemReader(manager: EntityManager): ItemImagesReader {
  return {
    countActiveForItem: (itemId) => manager.countBy(ImageEntity, { itemId }),
    oldestEvictable: (itemId, limit) =>
      manager.find(ImageEntity, {
        where: { itemId, featured: false, source: Not('import') },
        order: { createdAt: 'ASC', id: 'ASC' },
        take: limit,
      }),
  };
}
