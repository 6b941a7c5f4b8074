import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Leases on scheduled jobs: replicas sharing a database take one before running a job, so each tick runs once. */
export class CreateJobLeases1763900000003 implements MigrationInterface {
  name = 'CreateJobLeases1763900000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "job_leases" (
        "name" varchar(100) PRIMARY KEY NOT NULL,
        "holder" varchar(100) NOT NULL,
        "leased_until" datetime NOT NULL,
        "last_run_at" datetime
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_leases"`);
  }
}
