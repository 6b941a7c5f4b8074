import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generation jobs: every generation is one, waiting for a slot with the provider and then
 * running. Queued rows are the in-process queue's memory across a restart; finished ones are
 * kept JOB_RETENTION_DAYS for clients that come back for their result. The same on both
 * drivers but for the timestamp type.
 */
export class CreateGenerationJobs1764800000000 implements MigrationInterface {
  name = 'CreateGenerationJobs1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await queryRunner.query(`
      CREATE TABLE "generation_jobs" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "kind" varchar(16) NOT NULL,
        "status" varchar(16) NOT NULL,
        "request" text NOT NULL,
        "image_id" varchar(36),
        "result" text,
        "error" text,
        "attempts" integer NOT NULL DEFAULT 0,
        "idempotency_key" varchar(255),
        "fingerprint" varchar(64),
        "callback_url" varchar(2000),
        "created_at" ${timestamp} NOT NULL,
        "started_at" ${timestamp},
        "finished_at" ${timestamp}
      )`);
    // The queue's order on a restart, and the retention sweep over finished jobs.
    await queryRunner.query(`CREATE INDEX "idx_generation_jobs_unfinished" ON "generation_jobs" ("created_at") WHERE "finished_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "idx_generation_jobs_finished" ON "generation_jobs" ("finished_at") WHERE "finished_at" IS NOT NULL`);
    // The job that drew an image: a job run again (its replica died) finds it instead of paying twice.
    await queryRunner.query(`ALTER TABLE "images" ADD COLUMN "job_id" varchar(36)`);
    await queryRunner.query(`CREATE INDEX "idx_images_job" ON "images" ("job_id") WHERE "job_id" IS NOT NULL`);
    // One job per Idempotency-Key: a retry finds the job its first try made.
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_generation_jobs_idempotency_key" ON "generation_jobs" ("idempotency_key") WHERE "idempotency_key" IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_images_job"`);
    await queryRunner.query(`ALTER TABLE "images" DROP COLUMN "job_id"`);
    await queryRunner.query(`DROP TABLE "generation_jobs"`);
  }
}
