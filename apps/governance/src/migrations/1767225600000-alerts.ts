// Every governance alert seen on the alerts topic, from this service and from the others.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1767225600000 implements MigrationInterface {
  name = 'Alerts1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The event id makes a replay of the topic a no-op; the alert id catches the same alert published twice.
    await queryRunner.query(`
      CREATE TABLE alerts (
        event_id text PRIMARY KEY,
        alert_id text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL,
        summary text NOT NULL,
        institution text,
        details jsonb,
        source text NOT NULL,
        correlation_id text NOT NULL,
        causation_id text NOT NULL,
        raised_at timestamptz NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX alerts_alert_id ON alerts (alert_id)`);
    await queryRunner.query(`CREATE INDEX alerts_raised_at ON alerts (raised_at DESC, event_id DESC)`);
    await queryRunner.query(`CREATE INDEX alerts_kind_raised_at ON alerts (kind, raised_at DESC)`);
    // Rule alerts carry the key their window counted by: a restart checks it before raising again.
    await queryRunner.query(`CREATE INDEX alerts_window_key ON alerts (kind, (details->>'windowKey'), raised_at) WHERE details ? 'windowKey'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE alerts`);
  }
}
