import { SchedulerRegistry } from '@nestjs/schedule';
import { Counter, Histogram, Registry } from 'prom-client';
import { ManualClock } from '../../test/support/clock.js';
import { parseAppConfig } from '../config/app-config.js';
import type { BackupService } from './backup/backup.service.js';
import type { JobLeasesRepository } from './job-leases.repository.js';
import { LEASE_MIN_HOLD_MS, MaintenanceJobsService } from './maintenance-jobs.service.js';
import type { MaintenanceService } from './maintenance.service.js';

const START = new Date('2026-03-01T02:00:00Z');

/** The service over fakes of its leases and its work; `cleanup` decides how the cache cleanup ends. */
function setup(options: { leaseTaken?: boolean; leaseFails?: boolean } = {}) {
  const clock = new ManualClock(START);
  const finished: Array<{ name: string; until: Date; ranAt: Date }> = [];
  const leases = {
    tryAcquire: async () => {
      if (options.leaseFails) throw new Error('SQLITE_BUSY');
      return !options.leaseTaken;
    },
    extend: async () => undefined,
    finish: async (name: string, _holder: string, until: Date, ranAt: Date) => {
      finished.push({ name, until, ranAt });
    },
  } as unknown as JobLeasesRepository;
  let cleanup: () => Promise<unknown> = async () => ({ deletedEntries: 0 });
  const maintenance = { cleanupExpiredCache: () => cleanup() } as unknown as MaintenanceService;
  const registry = new Registry();
  const runs = new Counter({ name: 'runs', help: 'h', labelNames: ['job', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'duration', help: 'h', labelNames: ['job'], registers: [registry] });
  const config = parseAppConfig({ JOBS_ENABLED: 'false' }, '/data');
  const jobs = new MaintenanceJobsService(config, clock, leases, new SchedulerRegistry(), maintenance, {} as BackupService, runs, duration);
  const outcomes = async () => (await runs.get()).values.map(({ labels, value }) => `${labels.job}:${labels.outcome}=${value}`);
  return { jobs, finished, outcomes, clock, setCleanup: (work: () => Promise<unknown>) => (cleanup = work) };
}

describe('MaintenanceJobsService.run', () => {
  it('runs a job under its lease and keeps the lease a moment after, so a late replica skips the tick', async () => {
    const { jobs, finished, outcomes } = setup();
    expect(await jobs.run('expired-cache-cleanup')).toBe('success');
    expect(finished).toEqual([{ name: 'expired-cache-cleanup', ranAt: START, until: new Date(START.getTime() + LEASE_MIN_HOLD_MS) }]);
    expect(await outcomes()).toEqual(['expired-cache-cleanup:success=1']);
  });

  it('skips a run while the previous one is still going', async () => {
    const { jobs, setCleanup, outcomes } = setup();
    let finish!: () => void;
    setCleanup(() => new Promise((resolve) => (finish = () => resolve({}))));
    const first = jobs.run('expired-cache-cleanup');
    await new Promise(setImmediate); // the first run holds its lease and is working
    expect(await jobs.run('expired-cache-cleanup')).toBe('skipped');
    finish();
    expect(await first).toBe('success');
    expect(await outcomes()).toEqual(['expired-cache-cleanup:skipped=1', 'expired-cache-cleanup:success=1']);
  });

  it('skips a tick another replica holds, and fails (counted) when the lease cannot be read', async () => {
    expect(await setup({ leaseTaken: true }).jobs.run('expired-cache-cleanup')).toBe('skipped');
    const unreadable = setup({ leaseFails: true });
    expect(await unreadable.jobs.run('expired-cache-cleanup')).toBe('failure');
    expect(await unreadable.outcomes()).toEqual(['expired-cache-cleanup:failure=1']);
  });

  it('counts a failed run and still records it, so the lease is not left held', async () => {
    const { jobs, setCleanup, finished, outcomes } = setup();
    setCleanup(async () => {
      throw new Error('disk full');
    });
    expect(await jobs.run('expired-cache-cleanup')).toBe('failure');
    expect(finished).toHaveLength(1);
    expect(await outcomes()).toEqual(['expired-cache-cleanup:failure=1']);
  });

  it('keeps a lease a long run held past its minimum hold until the run ends', async () => {
    const { jobs, setCleanup, finished, clock } = setup();
    setCleanup(async () => clock.advance(5 * 60_000));
    await jobs.run('expired-cache-cleanup');
    expect(finished[0].until).toEqual(new Date(START.getTime() + 5 * 60_000));
  });
});
