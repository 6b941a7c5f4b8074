import { CreateImages1763900000000 } from './1763900000000-CreateImages.js';
import { CreateSceneCache1763900000001 } from './1763900000001-CreateSceneCache.js';
import { AddImageSourceHash1763900000002 } from './1763900000002-AddImageSourceHash.js';

/**
 * Every migration, in order. Listed explicitly rather than globbed so the same list works
 * from compiled output, the TypeORM CLI and jest. `npm run migration:create` writes a new
 * file; add its class here.
 */
export const MIGRATIONS = [CreateImages1763900000000, CreateSceneCache1763900000001, AddImageSourceHash1763900000002];
