/**
 * What answering a file as base64 inside JSON costs by itself, measured in this process on the
 * same bytes: the allowance v1's `GET /api/v1/images/{number}` (its `base64_data`) may spend over
 * v2's JSON answer. Timed as the service's response path does it: the Buffer to a base64 string
 * (SeedImagesController), JSON.stringify of the body holding it and the UTF-8 bytes of that text
 * (Express's res.json, then res.send); each minus the same step on the body without the field.
 * The allowance is the three in one go, fresh strings each time, as a request makes them.
 */
import { median } from './measure.js';

export interface EncodeCost {
  /** `file.toString('base64')`. */
  base64Us: number;
  /** JSON.stringify of the body with the field, minus without it. */
  stringifyUs: number;
  /** The UTF-8 bytes of the body with the field, minus without it. */
  utf8Us: number;
  /** All three in one go (what the allowance is), minus the body without the field. */
  totalUs: number;
  /** The body's size with the field. */
  bodyBytes: number;
}

export function base64JsonCost(file: Buffer, metadata: Record<string, unknown>): EncodeCost {
  const base64 = file.toString('base64');
  const withData = JSON.stringify({ ...metadata, base64_data: base64 });
  const without = JSON.stringify(metadata);
  const us = medianMicros({
    base64: () => file.toString('base64'),
    stringifyWith: () => JSON.stringify({ ...metadata, base64_data: base64 }),
    stringifyWithout: () => JSON.stringify(metadata),
    utf8With: () => Buffer.from(withData),
    utf8Without: () => Buffer.from(without),
    total: () => Buffer.from(JSON.stringify({ ...metadata, base64_data: file.toString('base64') })),
    totalWithout: () => Buffer.from(JSON.stringify(metadata)),
  });
  return {
    base64Us: us.base64,
    stringifyUs: us.stringifyWith - us.stringifyWithout,
    utf8Us: us.utf8With - us.utf8Without,
    totalUs: us.total - us.totalWithout,
    bodyBytes: Buffer.byteLength(withData),
  };
}

/**
 * Median µs per call of each of `works`, over batches taken in turn (each batch of one, then
 * of the next, …), so a busy moment of the machine or a collection falls on all of them alike.
 * Batches rather than single calls: a call takes microseconds, near the timer's resolution.
 */
function medianMicros<K extends string>(works: Record<K, () => string | Buffer>, options = { warmup: 500, batches: 41, perBatch: 200 }): Record<K, number> {
  const entries = Object.entries(works) as [K, () => string | Buffer][];
  // Every result's length is summed and checked, so no call can be optimised away.
  let sink = 0;
  for (const [, work] of entries) for (let i = 0; i < options.warmup; i++) sink += work().length;
  const perCall = new Map<K, number[]>(entries.map(([key]) => [key, []]));
  for (let batch = 0; batch < options.batches; batch++) {
    for (const [key, work] of entries) {
      const started = performance.now();
      for (let i = 0; i < options.perBatch; i++) sink += work().length;
      perCall.get(key)?.push(((performance.now() - started) * 1000) / options.perBatch);
    }
  }
  if (sink <= 0) throw new Error('Nothing was encoded');
  return Object.fromEntries(entries.map(([key]) => [key, median(perCall.get(key) ?? [])])) as Record<K, number>;
}
