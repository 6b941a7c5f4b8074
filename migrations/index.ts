import type { MigrationInterface } from 'typeorm';
import type { DatabaseDriver } from '../src/config/database-url.js';
import { AddImageNumbersAndUse1764600000000 } from './common/1764600000000-AddImageNumbersAndUse.js';
import { AddImageParent1764700000000 } from './common/1764700000000-AddImageParent.js';
import { CreateGenerationJobs1764800000000 } from './common/1764800000000-CreateGenerationJobs.js';
import { AddWebhookDeliveries1764900000000 } from './common/1764900000000-AddWebhookDeliveries.js';
import { CreateImages1763900000000 as PostgresCreateImages } from './postgres/1763900000000-CreateImages.js';
import { CreateSceneCache1763900000001 as PostgresCreateSceneCache } from './postgres/1763900000001-CreateSceneCache.js';
import { AddImageSourceHash1763900000002 as PostgresAddImageSourceHash } from './postgres/1763900000002-AddImageSourceHash.js';
import { CreateJobLeases1763900000003 as PostgresCreateJobLeases } from './postgres/1763900000003-CreateJobLeases.js';
import { IndexLiveImages1763900000004 as PostgresIndexLiveImages } from './postgres/1763900000004-IndexLiveImages.js';
import { CreateImages1763900000000 as SqliteCreateImages } from './sqlite/1763900000000-CreateImages.js';
import { CreateSceneCache1763900000001 as SqliteCreateSceneCache } from './sqlite/1763900000001-CreateSceneCache.js';
import { AddImageSourceHash1763900000002 as SqliteAddImageSourceHash } from './sqlite/1763900000002-AddImageSourceHash.js';
import { CreateJobLeases1763900000003 as SqliteCreateJobLeases } from './sqlite/1763900000003-CreateJobLeases.js';
import { IndexLiveImages1763900000004 as SqliteIndexLiveImages } from './sqlite/1763900000004-IndexLiveImages.js';

/**
 * Every migration of each driver, in order; the DataSource takes its driver's list. A schema
 * change is one migration in each folder, with the same class name and timestamp (TypeORM
 * records the name). Listed explicitly rather than globbed so the same lists work from
 * compiled output, the TypeORM CLI and jest. A migration whose SQL is the same on both lives
 * once, in common/.
 */
export const MIGRATIONS: Record<DatabaseDriver, Array<new () => MigrationInterface>> = {
  sqlite: [SqliteCreateImages, SqliteCreateSceneCache, SqliteAddImageSourceHash, SqliteCreateJobLeases, SqliteIndexLiveImages, AddImageNumbersAndUse1764600000000, AddImageParent1764700000000, CreateGenerationJobs1764800000000, AddWebhookDeliveries1764900000000],
  postgres: [PostgresCreateImages, PostgresCreateSceneCache, PostgresAddImageSourceHash, PostgresCreateJobLeases, PostgresIndexLiveImages, AddImageNumbersAndUse1764600000000, AddImageParent1764700000000, CreateGenerationJobs1764800000000, AddWebhookDeliveries1764900000000],
};
