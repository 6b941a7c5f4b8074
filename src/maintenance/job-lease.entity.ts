import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Who may run a scheduled job, and until when: replicas sharing a database take the lease
 * before running, so each tick's job runs on one of them.
 */
@Entity('job_leases')
export class JobLease {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  /** The process holding (or that last held) the lease. */
  @Column({ type: 'varchar', length: 100 })
  holder!: string;

  @Column({ name: 'leased_until' })
  leasedUntil!: Date;

  @Column({ name: 'last_run_at', nullable: true, type: Date })
  lastRunAt!: Date | null;
}
