import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { PendingUse } from '../common/pending-uses.js';

/** Which columns of a table count uses: the row's key, its use counter and its last-use time. */
export interface UseColumns {
  key: string;
  /** The counter's column name in SQL. */
  countColumn: string;
  countProperty: string;
  lastAtProperty: string;
}

/**
 * Adds buffered uses to their rows, inside the caller's transaction. In key order: replicas
 * flushing overlapping keys then lock rows in the same order, so they never deadlock.
 */
export async function recordUses<Entity extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<Entity>,
  columns: UseColumns,
  uses: Map<string, PendingUse>,
): Promise<void> {
  for (const [key, { count, lastAt }] of [...uses].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await manager
      .createQueryBuilder()
      .update(target)
      .set({ [columns.countProperty]: () => `${columns.countColumn} + ${Number(count)}`, [columns.lastAtProperty]: lastAt } as never)
      .where({ [columns.key]: key })
      .execute();
  }
}
