import { normalizeSceneText, sceneCacheKey } from './scene-key.js';

const base = { description: 'a dark cave', style: null, aspectRatio: '1:1' as const, model: 'gemini-2.5-flash-image' };

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
    expect(sceneCacheKey({ ...base, model: 'gemini-3.1-flash-image' })).not.toBe(key);
  });

  it('normalizes style like the description, and cannot be confused by joining', () => {
    expect(sceneCacheKey({ ...base, style: ' Oil  Painting' })).toBe(sceneCacheKey({ ...base, style: 'oil painting' }));
    expect(sceneCacheKey({ ...base, description: 'a', style: 'b c' })).not.toBe(sceneCacheKey({ ...base, description: 'a b', style: 'c' }));
  });

  it('is a sha256 hex digest', () => {
    expect(sceneCacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });
});
