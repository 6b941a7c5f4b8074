import { Counter, Registry } from 'prom-client';
import { ManualClock } from '../../test/support/clock.js';
import { parseAppConfig } from '../config/app-config.js';
import type { GenerationService } from '../generation/generation.service.js';
import type { ImageEntity } from '../images/image.entity.js';
import { type Reference, ResolvedReferences } from '../images/image-references.js';
import type { GenerateImageCommand, ImagesService } from '../images/images.service.js';
import { NoOtherReplicas } from '../redis/replica-events.js';
import { HotSceneCache } from './hot-scene-cache.js';
import { InProcessFlights } from './replica-flights.js';
import type { SceneCacheEntry } from './scene-cache-entry.entity.js';
import { SceneFlights } from './scene-flights.js';
import { SceneHitCounter } from './scene-hit-counter.js';
import { ScenesService } from './scenes.service.js';
import type { ScenesRepository } from './scenes.repository.js';

const PORTRAIT = { id: 'portrait', contentHash: 'c'.repeat(64) } as ImageEntity;

/** ScenesService with its real parts (hot cache, hit counter, flights) over fake storage and images. */
function setup(options: { saveFails?: boolean } = {}) {
  const entries = new Map<string, SceneCacheEntry>();
  const reads: string[] = [];
  const drawn: GenerateImageCommand[] = [];
  const purged: string[] = [];
  const repository = {
    findFresh: async (key: string, now: Date) => {
      reads.push(key);
      const entry = entries.get(key);
      return entry && entry.expiresAt > now ? entry : null;
    },
    saveEntry: async (entry: SceneCacheEntry) => {
      if (options.saveFails) throw new Error('SQLITE_FULL');
      entries.set(entry.cacheKey, entry);
    },
    recordCounts: async () => undefined,
  } as unknown as ScenesRepository;
  const images = {
    imageSizeFor: (requested?: string) => requested ?? '1K',
    resolveReferences: async ({ characterIds = [] }: { characterIds?: string[] }) =>
      new ResolvedReferences(characterIds.map((character): Reference => ({ image: PORTRAIT, character }))),
    generate: async (command: GenerateImageCommand) => {
      drawn.push(command);
      return { id: `image-${drawn.length}`, deletedAt: null } as ImageEntity;
    },
    purge: async (ids: string[]) => {
      purged.push(...ids);
      return { deletedImages: ids.length, freedBytes: 0 };
    },
  } as unknown as ImagesService;
  const generation = { model: 'gemini-3.1-flash-image', source: 'gemini' } as GenerationService;
  const registry = new Registry();
  const events = new NoOtherReplicas();
  const hot = new HotSceneCache(events);
  const hits = new SceneHitCounter(
    repository,
    hot,
    events,
    new Counter({ name: 'requests', help: 'h', labelNames: ['result'], registers: [registry] }),
    new Counter({ name: 'joins', help: 'h', registers: [registry] }),
  );
  const config = parseAppConfig({}, '/data');
  const service = new ScenesService(config, new ManualClock(new Date('2026-03-01T12:00:00Z')), repository, images, generation, hot, hits, new SceneFlights(new InProcessFlights()), events);
  return { service, entries, reads, drawn, purged };
}

describe('ScenesService.generate', () => {
  it('draws a miss as a framed scene, stores its entry, then answers hits from memory', async () => {
    const { service, entries, reads, drawn } = setup();
    const miss = await service.generate({ description: 'A Dark   Cave', style: 'ink' });
    expect(miss).toMatchObject({ cached: false, hitCount: 0 });
    expect(drawn).toEqual([
      expect.objectContaining({
        prompt: 'A Dark   Cave',
        itemType: 'scene',
        aspectRatio: '1:1',
        imageSize: '1K',
        providerPrompt: 'A wide establishing shot of a fantasy tabletop role-playing scene: A Dark   Cave. Style: ink',
      }),
    ]);
    expect(entries.get(miss.cacheKey)).toMatchObject({ description: 'a dark cave', style: 'ink', model: 'gemini-3.1-flash-image', imageId: 'image-1' });

    const readsBefore = reads.length;
    const hit = await service.generate({ description: 'a dark cave', style: 'INK' });
    expect(hit).toMatchObject({ cached: true, cacheKey: miss.cacheKey, hitCount: 1 });
    expect(reads).toHaveLength(readsBefore); // memory answered
    expect(drawn).toHaveLength(1);
  });

  it('keys a scene with characters apart from the plain one, and hands the resolved references to the drawing', async () => {
    const { service, drawn } = setup();
    const plain = await service.generate({ description: 'the tavern' });
    const withThorin = await service.generate({ description: 'the tavern', references: { characterIds: ['thorin'] } });
    expect(withThorin.cacheKey).not.toBe(plain.cacheKey);
    expect((drawn[1].references as ResolvedReferences).contentHashes).toEqual([PORTRAIT.contentHash]);
    expect((await service.generate({ description: 'the tavern', references: { characterIds: ['thorin'] } })).cached).toBe(true);
  });

  it('draws anew when forced, even with a fresh entry', async () => {
    const { service, drawn } = setup();
    await service.generate({ description: 'the tavern' });
    const forced = await service.generate({ description: 'the tavern', forceRegenerate: true });
    expect(forced.cached).toBe(false);
    expect(drawn).toHaveLength(2);
  });

  it('purges the drawn image when its entry cannot be stored, and fails', async () => {
    const { service, purged } = setup({ saveFails: true });
    await expect(service.generate({ description: 'the tavern' })).rejects.toThrow('SQLITE_FULL');
    expect(purged).toEqual(['image-1']);
  });
});
