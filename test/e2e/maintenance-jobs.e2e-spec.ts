import { SchedulerRegistry } from '@nestjs/schedule';
import request from 'supertest';
import { MaintenanceJobs } from '../../src/maintenance/maintenance-jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const DAY_MS = 86_400_000;
let t: TestApp;
let jobs: MaintenanceJobs;

beforeAll(async () => {
  t = await createTestApp({ env: { JOBS_ENABLED: 'true', CLEANUP_CRON: '*/5 * * * *', ORPHAN_CLEANUP_CRON: '', CACHE_EXPIRY_DAYS: '1' } });
  jobs = t.app.get(MaintenanceJobs);
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
  await request(t.server).post('/api/v1/scenes/generate').send({ description: 'a scene to expire' }).expect(200);
  t.clock.advance(DAY_MS);
  expect(await jobs.run('expired-cache-cleanup')).toBe('success');
  expect((await request(t.server).get('/api/v1/scenes/cache/stats')).body.entries).toBe(0);
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

describe('the backup job and its health', () => {
  const backupHealth = async () => (await request(t.server).get('/health').expect(200)).body;

  it('is scheduled daily by default; health is up before the first backup is due', async () => {
    expect(t.app.get(SchedulerRegistry).getCronJob('backup').cronTime.source).toBe('0 2 * * *');
    expect((await backupHealth()).details.backup).toMatchObject({ status: 'up', scheduled: true, latestAt: null });
  });

  it('takes a backup when triggered, and reports degraded once it is older than two schedule gaps', async () => {
    expect(await jobs.run('backup')).toBe('success');
    const listed = (await request(t.server).get('/api/v1/maintenance/backups').expect(200)).body;
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
