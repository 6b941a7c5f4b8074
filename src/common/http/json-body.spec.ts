import { jsonNestsDeeperThan } from './json-body.js';

const bytes = (text: string) => Buffer.from(text);

describe('jsonNestsDeeperThan', () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan(bytes('{"a":[{"b":[1]}]}'), 4)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('{"a":[{"b":[[1]]}]}'), 4)).toBe(true);
    expect(jsonNestsDeeperThan(bytes(`{"prompt":"${'[{'.repeat(100)}"}`), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(`{"p":"a \\" ${'['.repeat(10)}"}`), 1)).toBe(false);
  });

  it('finds the deep end of a 3,000-level body at once', () => {
    expect(jsonNestsDeeperThan(bytes(`{"prompt":"abcd","style":${'['.repeat(3000)}${']'.repeat(3000)}}`), 32)).toBe(true);
  });

  it('passes flat siblings of any number', () => {
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ items: Array.from({ length: 1000 }, (_, i) => ({ i })) })), 3)).toBe(false);
  });
});
