import { createHash } from 'node:crypto';
import { normalizeSceneText, sceneCacheKey } from './scene-key.js';

const base = { description: 'a dark cave', style: null, aspectRatio: '1:1' as const, model: 'gemini-3.1-flash-image', imageSize: '1K' as const, references: [] };

describe('sceneCacheKey', () => {
  it('is the same for descriptions that differ only in case and whitespace', () => {
    expect(sceneCacheKey({ ...base, description: '  A Dark   CAVE ' })).toBe(sceneCacheKey(base));
    expect(sceneCacheKey({ ...base, description: 'a\tdark\ncave' })).toBe(sceneCacheKey(base));
    expect(normalizeSceneText('  A Dark   CAVE ')).toBe('a dark cave');
  });

  it('differs by description, style, aspect ratio and model', () => {
    const key = sceneCacheKey(base);
    expect(sceneCacheKey({ ...base, description: 'a dark cavern' })).not.toBe(key);
    expect(sceneCacheKey({ ...base, style: 'oil painting' })).not.toBe(key);
    expect(sceneCacheKey({ ...base, aspectRatio: '16:9' })).not.toBe(key);
    expect(sceneCacheKey({ ...base, model: 'gemini-3-pro-image' })).not.toBe(key);
  });

  it('differs by image size and by the references shown, in order', () => {
    const key = sceneCacheKey(base);
    const [dwarf, elf] = ['a'.repeat(64), 'b'.repeat(64)];
    expect(sceneCacheKey({ ...base, imageSize: '2K' })).not.toBe(key);
    expect(sceneCacheKey({ ...base, references: [dwarf] })).not.toBe(key);
    expect(sceneCacheKey({ ...base, references: [dwarf, elf] })).not.toBe(sceneCacheKey({ ...base, references: [dwarf] }));
    expect(sceneCacheKey({ ...base, references: [dwarf, elf] })).not.toBe(sceneCacheKey({ ...base, references: [elf, dwarf] }));
  });

  it('keeps the keys made before sizes and references existed for a plain 1K request', () => {
    const before = createHash('sha256').update(JSON.stringify(['a dark cave', null, '1:1', 'gemini-3.1-flash-image'])).digest('hex');
    expect(sceneCacheKey(base)).toBe(before);
  });

  it('normalizes style like the description, and cannot be confused by joining', () => {
    expect(sceneCacheKey({ ...base, style: ' Oil  Painting' })).toBe(sceneCacheKey({ ...base, style: 'oil painting' }));
    expect(sceneCacheKey({ ...base, description: 'a', style: 'b c' })).not.toBe(sceneCacheKey({ ...base, description: 'a b', style: 'c' }));
  });

  it('is a sha256 hex digest', () => {
    expect(sceneCacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });
});
