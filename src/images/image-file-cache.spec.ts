import type { ImageVariant } from '../storage/storage-paths.js';
import type { ImageFile } from './image-file.js';
import { ImageFileCache } from './image-file-cache.js';

const ID_A = '00000000-0000-4000-8000-00000000000a';
const ID_B = '00000000-0000-4000-8000-00000000000b';
const ID_C = '00000000-0000-4000-8000-00000000000c';
const file = (size: number, variant: ImageVariant = 'full', contentHash = 'x'): ImageFile => ({ bytes: Buffer.alloc(size), variant, contentHash, mimeType: 'image/webp' });

function cache(maxBytes = 100, ttlMs = 1000) {
  let now = 1_000_000;
  const instance = new ImageFileCache({ maxBytes, ttlMs, now: () => now });
  return { instance, advance: (ms: number) => (now += ms) };
}

describe('ImageFileCache', () => {
  it('answers what was stored, per variant, ids case-insensitively', () => {
    const { instance } = cache();
    instance.set(ID_A, file(10, 'full', 'a'));
    instance.set(ID_A, file(5, 'thumbnail', 'a'));
    expect(instance.get(ID_A.toUpperCase(), 'full')?.bytes).toHaveLength(10);
    expect(instance.get(ID_A, 'thumbnail')?.bytes).toHaveLength(5);
    expect(instance.get(ID_B, 'full')).toBeUndefined();
    expect(instance.size).toEqual({ entries: 2, bytes: 15 });
  });

  it('drops the least recently used entries to stay within maxBytes', () => {
    const { instance } = cache(100);
    instance.set(ID_A, file(40));
    instance.set(ID_B, file(40));
    instance.get(ID_A, 'full'); // A is now the most recently used
    instance.set(ID_C, file(40));
    expect(instance.get(ID_B, 'full')).toBeUndefined();
    expect(instance.get(ID_A, 'full')).toBeDefined();
    expect(instance.get(ID_C, 'full')).toBeDefined();
    expect(instance.size).toEqual({ entries: 2, bytes: 80 });
  });

  it('never holds a file larger than the whole budget', () => {
    const { instance } = cache(100);
    instance.set(ID_A, file(101));
    expect(instance.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('expires entries after the TTL so the caller revalidates', () => {
    const { instance, advance } = cache(100, 1000);
    instance.set(ID_A, file(10));
    advance(1000);
    expect(instance.get(ID_A, 'full')).toBeDefined(); // lru-cache: stale once older than the TTL
    advance(1);
    expect(instance.get(ID_A, 'full')).toBeUndefined();
    expect(instance.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('evicts both variants of deleted images, and replaces an entry without double counting', () => {
    const { instance } = cache();
    instance.set(ID_A, file(10));
    instance.set(ID_A, file(5, 'thumbnail'));
    instance.set(ID_B, file(10));
    instance.set(ID_B, file(20));
    instance.evict([ID_A]);
    expect(instance.get(ID_A, 'full')).toBeUndefined();
    expect(instance.get(ID_A, 'thumbnail')).toBeUndefined();
    expect(instance.size).toEqual({ entries: 1, bytes: 20 });
  });

  it('is disabled with a zero budget', () => {
    const { instance } = cache(0);
    expect(instance.enabled).toBe(false);
    instance.set(ID_A, file(1));
    expect(instance.get(ID_A, 'full')).toBeUndefined();
  });
});
