// Webhook routing: each institution's subscriptions (sealed secrets), one delivery per subscription and alert, and
// the log of every attempt. Deliveries are claimed with a lease (`next_attempt_at`), so N instances send each once
// and a killed instance's claim runs out and is taken again.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1780000500000 implements MigrationInterface {
  name = 'Webhooks1780000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Empty kinds or severities: every one. The previous secret still signs until previous_until (a rotation's overlap).
    await queryRunner.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY,
        institution text NOT NULL,
        url text NOT NULL,
        kinds text[] NOT NULL,
        severities text[] NOT NULL,
        secret jsonb NOT NULL,
        previous_secret jsonb,
        previous_until timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX webhook_subscriptions_institution ON webhook_subscriptions (institution)`);
    // The body is fixed when the delivery is made, so every attempt signs the same bytes under the same id.
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        webhook_id text PRIMARY KEY,
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
        alert_event_id text NOT NULL,
        body text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at DESC)`);
    // The delivery log: how each attempt ended, never what the receiver answered.
    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        webhook_id text NOT NULL REFERENCES webhook_deliveries (webhook_id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        at timestamptz NOT NULL,
        outcome text NOT NULL,
        status integer,
        duration_ms integer NOT NULL,
        PRIMARY KEY (webhook_id, attempt)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_attempts`);
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_subscriptions`);
  }
}
