import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { WriteLock } from '../database/write-lock.js';
import { JobLease } from './job-lease.entity.js';

/** Thin adapter around `job_leases`: one conditional UPDATE decides who runs a job. */
@Injectable()
export class JobLeasesRepository {
  constructor(
    @InjectRepository(JobLease) private readonly leases: Repository<JobLease>,
    private readonly writeLock: WriteLock,
  ) {}

  /**
   * Takes the job's lease until `until` when it has lapsed at `now` or `holder` already has it.
   * The UPDATE is atomic on both drivers, so of replicas asking together exactly one gets it.
   */
  tryAcquire(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.writeLock.run(async () => {
      await this.leases
        .createQueryBuilder()
        .insert()
        .into(JobLease)
        .values({ name, holder, leasedUntil: new Date(0), lastRunAt: null })
        .orIgnore()
        .execute();
      const taken = await this.leases.update([{ name, leasedUntil: LessThanOrEqual(now) }, { name, holder }], { holder, leasedUntil: until });
      return (taken.affected ?? 0) > 0;
    });
  }

  /** While a run goes on: pushes its lease out, so a long run never looks abandoned. */
  async extend(name: string, holder: string, until: Date): Promise<void> {
    await this.writeLock.run(() => this.leases.update({ name, holder }, { leasedUntil: until }));
  }

  /** After a run: keeps the lease until `until` (so late replicas skip this tick) and records the run. */
  async finish(name: string, holder: string, until: Date, ranAt: Date): Promise<void> {
    await this.writeLock.run(() => this.leases.update({ name, holder }, { leasedUntil: until, lastRunAt: ranAt }));
  }

  find(name: string): Promise<JobLease | null> {
    return this.leases.findOneBy({ name });
  }
}
