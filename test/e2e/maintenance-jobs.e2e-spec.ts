import { SchedulerRegistry } from '@nestjs/schedule';
import request from 'supertest';
import { JobLease } from '../../src/maintenance/job-lease.entity.js';
import { JobLeasesRepository } from '../../src/maintenance/job-leases.repository.js';
import { LEASE_MIN_HOLD_MS, MaintenanceJobsService } from '../../src/maintenance/maintenance-jobs.service.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const DAY_MS = 86_400_000;
let t: TestApp;
let jobs: MaintenanceJobsService;

beforeAll(async () => {
  t = await createTestApp({ env: { JOBS_ENABLED: 'true', CLEANUP_CRON: '*/5 * * * *', ORPHAN_CLEANUP_CRON: '', CACHE_EXPIRY_DAYS: '1' } });
  jobs = t.app.get(MaintenanceJobsService);
});
afterAll(() => t.close());

const jobRuns = async (job: string, outcome: string) =>
  Number(new RegExp(`maintenance_job_runs_total\\{job="${job}",outcome="${outcome}"\\} (\\d+)`).exec((await request(t.server).get('/metrics')).text)?.[1] ?? 0);

it('registers each job by name with its configured expression; an empty one switches it off', () => {
  const registered = t.app.get(SchedulerRegistry).getCronJobs();
  expect(registered.get('expired-cache-cleanup')?.cronTime.source).toBe('*/5 * * * *');
  expect(registered.has('orphan-cleanup')).toBe(false);
  expect(registered.get('expired-cache-cleanup')?.isActive).toBe(true);
});

it('runs the job’s work when triggered, and counts the run', async () => {
  await request(t.server).post('/api/v2/scenes/generate').send({ description: 'a scene to expire' }).expect(200);
  t.clock.advance(DAY_MS);
  expect(await jobs.run('expired-cache-cleanup')).toBe('success');
  expect((await request(t.server).get('/api/v2/scenes/cache/stats')).body.entries).toBe(0);
  expect(await jobRuns('expired-cache-cleanup', 'success')).toBe(1);
});

it('never overlaps itself', async () => {
  const [first, second] = await Promise.all([jobs.run('expired-cache-cleanup'), jobs.run('expired-cache-cleanup')]);
  expect([first, second]).toEqual(['success', 'skipped']);
  expect(await jobRuns('expired-cache-cleanup', 'skipped')).toBe(1);
});

it('records a failed run and keeps scheduling', async () => {
  await t.dataSource.query('ALTER TABLE scene_cache RENAME TO scene_cache_gone');
  expect(await jobs.run('expired-cache-cleanup')).toBe('failure');
  await t.dataSource.query('ALTER TABLE scene_cache_gone RENAME TO scene_cache');
  expect(await jobRuns('expired-cache-cleanup', 'failure')).toBe(1);
  expect(await jobs.run('expired-cache-cleanup')).toBe('success');
});

describe('once across replicas: the job lease', () => {
  const leaseOf = async (name: string) => t.app.get(JobLeasesRepository).find(name);

  it('skips a run while another replica holds the lease, and takes it once the lease has lapsed', async () => {
    // Another replica took the lease a moment ago (its run is going, or ran this tick).
    const until = new Date(t.clock.now().getTime() + LEASE_MIN_HOLD_MS);
    await t.dataSource.getRepository(JobLease).save({ name: 'expired-cache-cleanup', holder: 'other-host:42:abc', leasedUntil: until, lastRunAt: t.clock.now() });
    const skippedBefore = await jobRuns('expired-cache-cleanup', 'skipped');
    expect(await jobs.run('expired-cache-cleanup')).toBe('skipped');
    expect(await jobRuns('expired-cache-cleanup', 'skipped')).toBe(skippedBefore + 1);
    expect(await leaseOf('expired-cache-cleanup')).toMatchObject({ holder: 'other-host:42:abc' });

    t.clock.advance(LEASE_MIN_HOLD_MS);
    expect(await jobs.run('expired-cache-cleanup')).toBe('success');
    const lease = await leaseOf('expired-cache-cleanup');
    expect(lease?.holder).not.toBe('other-host:42:abc');
    expect(lease?.lastRunAt).toEqual(t.clock.now());
    // Held for the minimum after its start, so a replica firing the same tick late skips it.
    expect(lease?.leasedUntil).toEqual(new Date(t.clock.now().getTime() + LEASE_MIN_HOLD_MS));
  });

  it('lists the jobs and runs one on demand over HTTP (admin)', async () => {
    const listed = (await request(t.server).get('/api/v2/maintenance/jobs').expect(200)).body as Array<Record<string, unknown>>;
    expect(listed.map((job) => job.name)).toEqual(['expired-cache-cleanup', 'orphan-cleanup', 'backup']);
    expect(listed[0]).toMatchObject({ cron: '*/5 * * * *', scheduled: true, runningHere: false, lastRunAt: t.clock.now().toISOString() });
    expect(listed[1]).toMatchObject({ cron: null, scheduled: false, nextRunAt: null });
    expect(typeof listed[0].nextRunAt).toBe('string');

    await request(t.server).post('/api/v2/maintenance/jobs/orphan-cleanup/run').expect(200, { job: 'orphan-cleanup', outcome: 'success' });
    const unknown = await request(t.server).post('/api/v2/maintenance/jobs/reindex/run').expect(400);
    expect(unknown.body.message).toEqual(['name must be one of expired-cache-cleanup, orphan-cleanup, backup']);
  });
});

describe('the backup job and its health', () => {
  const backupHealth = async () => (await request(t.server).get('/health').expect(200)).body;

  it('is scheduled daily by default; health is up before the first backup is due', async () => {
    expect(t.app.get(SchedulerRegistry).getCronJob('backup').cronTime.source).toBe('0 2 * * *');
    expect((await backupHealth()).details.backup).toMatchObject({ status: 'up', scheduled: true, latestAt: null });
  });

  it('takes a backup when triggered, and reports degraded once it is older than two schedule gaps', async () => {
    expect(await jobs.run('backup')).toBe('success');
    const listed = (await request(t.server).get('/api/v2/maintenance/backups').expect(200)).body;
    expect(listed).toHaveLength(1);
    expect((await backupHealth()).details.backup).toMatchObject({ status: 'up', latestAt: t.clock.now().toISOString() });

    t.clock.advance(48 * 3_600_000);
    expect((await backupHealth()).details.backup.status).toBe('up');
    t.clock.advance(1000);
    const health = await backupHealth();
    expect(health.status).toBe('degraded');
    expect(health.details.backup).toMatchObject({ status: 'degraded', latestAt: listed[0].createdAt });
    expect(health.details.backup.message).toContain('BACKUP_CRON');
    expect(await jobRuns('backup', 'success')).toBe(1);
  });
});
