import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job's webhook delivery kept on its row, so a retry outlives the process that began it:
 * its state (pending, delivered, refused, failed; null without a callbackUrl), the tries so
 * far and when the next is due. The partial index serves each replica's look for what is due.
 * The same on both drivers but for the timestamp type.
 */
export class AddWebhookDeliveries1764900000000 implements MigrationInterface {
  name = 'AddWebhookDeliveries1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await queryRunner.query(`ALTER TABLE "generation_jobs" ADD COLUMN "webhook_state" varchar(16)`);
    await queryRunner.query(`ALTER TABLE "generation_jobs" ADD COLUMN "webhook_tries" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "generation_jobs" ADD COLUMN "webhook_due_at" ${timestamp}`);
    await queryRunner.query(`CREATE INDEX "idx_generation_jobs_webhooks_due" ON "generation_jobs" ("webhook_due_at") WHERE "webhook_state" = 'pending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_generation_jobs_webhooks_due"`);
    await queryRunner.query(`ALTER TABLE "generation_jobs" DROP COLUMN "webhook_due_at"`);
    await queryRunner.query(`ALTER TABLE "generation_jobs" DROP COLUMN "webhook_tries"`);
    await queryRunner.query(`ALTER TABLE "generation_jobs" DROP COLUMN "webhook_state"`);
  }
}
