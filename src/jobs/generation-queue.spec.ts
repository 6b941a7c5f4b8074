import { ManualClock } from '../../test/support/clock.js';
import { InProcessGenerationQueue } from './generation-queue.js';

/** The in-process line on a manual clock: jobs are promises the test settles. */
function setup(limits: { maxConcurrent: number; requestsPerMinute?: number }) {
  const clock = new ManualClock();
  const queue = new InProcessGenerationQueue(limits, clock);
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  queue.process((jobId) => {
    started.push(jobId);
    return new Promise<void>((resolve) => finish.set(jobId, resolve));
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { clock, queue, started, finish, settle };
}

it('runs at most maxConcurrent at once, first in first out, and says who is next', async () => {
  const { queue, started, finish, settle } = setup({ maxConcurrent: 2 });
  for (const id of ['a', 'b', 'c', 'd']) await queue.add(id);
  expect(started).toEqual(['a', 'b']);
  expect(await queue.position('c')).toBe(0);
  expect(await queue.position('d')).toBe(1);
  expect(await queue.position('a')).toBeUndefined();

  finish.get('b')!();
  await settle();
  expect(started).toEqual(['a', 'b', 'c']);
  expect(await queue.position('d')).toBe(0);
});

it('takes a waiting job out of the line, and tells listeners the line moved', async () => {
  const { queue, started, finish, settle } = setup({ maxConcurrent: 1 });
  let moves = 0;
  queue.onChange(() => moves++);
  for (const id of ['a', 'b', 'c']) await queue.add(id);
  expect(await queue.remove('b')).toBe(true);
  expect(await queue.remove('a')).toBe(false); // running
  finish.get('a')!();
  await settle();
  expect(started).toEqual(['a', 'c']);
  expect(moves).toBe(3); // a started, b left, c started
});

it('starts no more than GEMINI_REQUESTS_PER_MINUTE in any minute, and the rest when the window opens', async () => {
  const { clock, queue, started, finish, settle } = setup({
    maxConcurrent: 10,
    requestsPerMinute: 2,
  });
  for (const id of ['a', 'b', 'c']) await queue.add(id);
  finish.get('a')!();
  await settle();
  expect(started).toEqual(['a', 'b']); // a slot is free, the minute's two are spent
  clock.advance(59_999);
  await settle();
  expect(started).toEqual(['a', 'b']);
  clock.advance(1);
  await settle();
  expect(started).toEqual(['a', 'b', 'c']);
});

it('starts nothing once closed, and waits for what runs', async () => {
  const { queue, started, finish } = setup({ maxConcurrent: 1 });
  await queue.add('a');
  await queue.add('b');
  let closed = false;
  const closing = queue.close().then(() => (closed = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(closed).toBe(false);
  finish.get('a')!();
  await closing;
  expect(started).toEqual(['a']);
});

it('puts a job the provider had no room for back first, and starts nothing until the wait is over', async () => {
  const clock = new ManualClock();
  const queue = new InProcessGenerationQueue({ maxConcurrent: 2 }, clock);
  const started: string[] = [];
  queue.process(async (jobId) => {
    started.push(jobId);
    // The first try of `a` meets Gemini's quota; everything else is drawn.
    return jobId === 'a' && started.filter((id) => id === 'a').length === 1 ? { retryAfterMs: 20_000 } : undefined;
  });
  await queue.add('a');
  await new Promise((resolve) => setImmediate(resolve));
  await queue.add('b');
  expect(await queue.position('a')).toBe(0);
  expect(await queue.position('b')).toBe(1);
  expect(started).toEqual(['a']);
  clock.advance(20_000);
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual(['a', 'a', 'b']);
});

it('gives a slot to the next job as soon as the provider answered, and still waits for the first to end when closing', async () => {
  const queue = new InProcessGenerationQueue({ maxConcurrent: 1 }, new ManualClock());
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const freeSlot = new Map<string, () => void>();
  queue.process((jobId, free) => {
    started.push(jobId);
    freeSlot.set(jobId, free);
    // Once its slot is free, a run's quota answer means nothing: the line must not hold for it.
    return new Promise((resolve) => finish.set(jobId, () => resolve({ retryAfterMs: 60_000 })));
  });
  for (const id of ['a', 'b', 'c']) await queue.add(id);
  expect(started).toEqual(['a']);

  freeSlot.get('a')!();
  freeSlot.get('a')!(); // twice is once
  expect(started).toEqual(['a', 'b']);

  finish.get('a')!();
  await new Promise((resolve) => setImmediate(resolve));
  expect(started).toEqual(['a', 'b']); // b holds the only slot
  expect(await queue.position('c')).toBe(0);

  freeSlot.get('b')!();
  expect(started).toEqual(['a', 'b', 'c']);
  let closed = false;
  const closing = queue.close().then(() => (closed = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(closed).toBe(false); // b and c still process
  finish.get('b')!();
  finish.get('c')!();
  await closing;
});
