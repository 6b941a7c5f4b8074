import { ImageEntity } from '../../src/images/image.entity.js';

/**
 * An images row with no files behind it, for tests that work on the database alone. Its
 * `number` is 0 until the repository's insert assigns one; pass one to save it directly.
 */
export function imageRow(id: string, fields: Partial<ImageEntity> = {}): ImageEntity {
  return Object.assign(new ImageEntity(), {
    id,
    number: 0,
    prompt: 'a clockwork owl',
    style: null,
    itemId: null,
    itemType: null,
    featured: false,
    source: 'local',
    model: null,
    aspectRatio: '1:1',
    width: 1,
    height: 1,
    sizeBytes: 1,
    thumbnailWidth: 1,
    thumbnailHeight: 1,
    thumbnailSizeBytes: 1,
    contentHash: '0'.repeat(64),
    component: null,
    customPrompt: null,
    useCount: 0,
    lastUsedAt: null,
    generationMs: null,
    sourceHash: null,
    parentId: null,
    jobId: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    deletedAt: null,
    ...fields,
  } satisfies ImageEntity);
}
