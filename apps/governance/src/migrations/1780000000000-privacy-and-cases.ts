// The privacy rules' shared state, the outbox of raised alerts and case events, and the cases projection.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PrivacyAndCases1780000000000 implements MigrationInterface {
  name = 'PrivacyAndCases1780000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per distinct item of a counter window: a redelivery inserts nothing, a count is a count(*).
    await queryRunner.query(`
      CREATE TABLE privacy_counter_items (
        counter text NOT NULL,
        key text NOT NULL,
        bucket bigint NOT NULL,
        item text NOT NULL,
        peer_group text NOT NULL DEFAULT '',
        PRIMARY KEY (counter, key, bucket, item)
      )`);
    await queryRunner.query(`CREATE INDEX privacy_counter_peers ON privacy_counter_items (counter, peer_group, bucket) WHERE peer_group <> ''`);
    await queryRunner.query(`
      CREATE TABLE patient_tokens (
        institution text NOT NULL,
        patient text NOT NULL,
        family_name text[] NOT NULL,
        address text[] NOT NULL,
        security_labels text[] NOT NULL,
        PRIMARY KEY (institution, patient)
      )`);
    await queryRunner.query(`CREATE INDEX patient_tokens_patient ON patient_tokens (patient)`);
    await queryRunner.query(`
      CREATE TABLE practitioner_tokens (
        institution text NOT NULL,
        practitioner text NOT NULL,
        family_name text[] NOT NULL,
        address text[] NOT NULL,
        patient text,
        PRIMARY KEY (institution, practitioner)
      )`);
    await queryRunner.query(`CREATE INDEX practitioner_tokens_patient ON practitioner_tokens (patient) WHERE patient IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE practitioner_roles (
        event_id text PRIMARY KEY,
        institution text NOT NULL,
        practitioner text NOT NULL,
        role text NOT NULL,
        registered_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX practitioner_roles_practitioner ON practitioner_roles (practitioner, registered_at)`);
    await queryRunner.query(
      `CREATE TABLE care_records (institution text NOT NULL, patient text NOT NULL, last_at timestamptz NOT NULL, PRIMARY KEY (institution, patient))`,
    );
    await queryRunner.query(`CREATE INDEX care_records_patient ON care_records (patient)`);
    await queryRunner.query(`CREATE TABLE restricted_patients (institution text NOT NULL, patient text NOT NULL, PRIMARY KEY (institution, patient))`);
    // Events decided but maybe not yet on Kafka: the id (alert id or event id) makes a second claim a no-op.
    await queryRunner.query(`
      CREATE TABLE outbox (
        id text PRIMARY KEY,
        topic text NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE cases (
        case_id text PRIMARY KEY,
        institution text NOT NULL,
        practitioner text,
        patient text,
        window_start timestamptz,
        kinds text[] NOT NULL DEFAULT '{}',
        severity text NOT NULL DEFAULT 'info',
        risk_score integer NOT NULL DEFAULT 0,
        state text NOT NULL DEFAULT 'open',
        assignee text,
        due_at timestamptz,
        escalated_at timestamptz,
        alert_count integer NOT NULL DEFAULT 0,
        opened_at timestamptz,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX cases_institution ON cases (institution, updated_at DESC)`);
    await queryRunner.query(`CREATE INDEX cases_patient ON cases (patient) WHERE patient IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX cases_due ON cases (due_at) WHERE state = 'open' AND escalated_at IS NULL`);
    await queryRunner.query(`CREATE TABLE case_alerts (case_id text NOT NULL, alert_id text NOT NULL, PRIMARY KEY (case_id, alert_id))`);
    await queryRunner.query(`
      CREATE TABLE case_events (
        event_id text PRIMARY KEY,
        case_id text NOT NULL,
        at timestamptz NOT NULL,
        action text NOT NULL,
        state text NOT NULL,
        actor text,
        assignee text,
        note jsonb
      )`);
    await queryRunner.query(`CREATE INDEX case_events_case ON case_events (case_id, at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'case_events',
      'case_alerts',
      'cases',
      'outbox',
      'restricted_patients',
      'care_records',
      'practitioner_roles',
      'practitioner_tokens',
      'patient_tokens',
      'privacy_counter_items',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
