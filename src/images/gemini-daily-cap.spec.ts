import { ManualClock } from '../../test/support/clock.js';
import { QuotaExceededError } from '../common/errors.js';
import { parseAppConfig } from '../config/app-config.js';
import { formatDuration, GeminiDailyCap } from './gemini-daily-cap.js';
import { InProcessReservations } from './gemini-reservations.js';
import type { ImagesRepository } from './images.repository.js';

function setup(options: { limit?: number; drawnToday?: number; countFails?: boolean } = {}) {
  const config = parseAppConfig(options.limit === undefined ? {} : { GEMINI_DAILY_IMAGE_LIMIT: String(options.limit) }, '/data');
  const clock = new ManualClock(new Date('2026-03-01T22:30:00Z'));
  const since: Date[] = [];
  const repository = {
    countCreatedSince: async (source: string, from: Date) => {
      if (options.countFails) throw new Error('SQLITE_BUSY');
      since.push(from);
      return source === 'gemini' ? (options.drawnToday ?? 0) : 0;
    },
  } as unknown as ImagesRepository;
  const reservations = new InProcessReservations();
  return { cap: new GeminiDailyCap(config, clock, repository, reservations), reservations, since, clock };
}

describe('GeminiDailyCap', () => {
  it('lets everything through without GEMINI_DAILY_IMAGE_LIMIT, and never caps other sources', async () => {
    await expect(setup().cap.reserve('gemini')).resolves.toBeInstanceOf(Function);
    await expect(setup({ limit: 1, drawnToday: 5 }).cap.reserve('local')).resolves.toBeInstanceOf(Function);
  });

  it('counts today’s images (since 00:00 UTC) plus the ones being drawn, so concurrent requests cannot overshoot', async () => {
    const { cap, since } = setup({ limit: 3, drawnToday: 1 });
    const first = await cap.reserve('gemini');
    await cap.reserve('gemini'); // 1 stored + 1 in flight: still under 3
    const refused = await cap.reserve('gemini').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QuotaExceededError);
    expect(since[0]).toEqual(new Date('2026-03-01T00:00:00Z'));

    first(); // a generation ended: its place is free again
    await expect(cap.reserve('gemini')).resolves.toBeInstanceOf(Function);
  });

  it('says when the cap resets, and Retry-After is the wait until then', async () => {
    const refused = (await setup({ limit: 2, drawnToday: 2 }).cap.reserve('gemini').catch((error: unknown) => error)) as QuotaExceededError;
    expect(refused.message).toBe(
      'The daily Gemini image limit (GEMINI_DAILY_IMAGE_LIMIT=2) is reached; it resets at 2026-03-02T00:00:00.000Z (in 1 h 30 min). Cached scenes are still served.',
    );
    expect(refused.retryAfterSeconds).toBe(5400);
  });

  it('gives its reservation back when the count cannot be read', async () => {
    const { cap, reservations } = setup({ limit: 2, countFails: true });
    await expect(cap.reserve('gemini')).rejects.toThrow('SQLITE_BUSY');
    expect((await reservations.reserve()).othersInFlight).toBe(0);
  });
});

describe('formatDuration', () => {
  it.each([
    [30, '1 min'],
    [3600, '1 h'],
    [3599, '1 h'],
    [3601, '1 h 1 min'],
    [7200, '2 h'],
    [5 * 3600 + 59 * 60 + 30, '6 h'],
  ])('%i s reads %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
