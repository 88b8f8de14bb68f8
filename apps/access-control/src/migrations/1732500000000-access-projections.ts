// The projections of the consent, grants and records.encrypted topics, and how far they have read each partition.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessProjections1732500000000 implements MigrationInterface {
  name = 'AccessProjections1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Each row keeps the event it came from and its position: a replay or a slower instance never regresses it.
    await queryRunner.query(`
      CREATE TABLE consents (
        consent_id text PRIMARY KEY,
        institution text NOT NULL,
        patient text NOT NULL,
        event jsonb NOT NULL,
        source_partition integer NOT NULL,
        source_offset bigint NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX consents_patient ON consents (patient)`);
    await queryRunner.query(`
      CREATE TABLE agreements (
        agreement_id text PRIMARY KEY,
        holder text NOT NULL,
        event jsonb NOT NULL,
        source_partition integer NOT NULL,
        source_offset bigint NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE practitioner_roles (
        practitioner text PRIMARY KEY,
        institution text NOT NULL,
        event jsonb NOT NULL,
        source_partition integer NOT NULL,
        source_offset bigint NOT NULL
      )`);
    // Metadata only: labels and clinical dates are inside the ciphertext and stay unknown until a permitted read.
    await queryRunner.query(`
      CREATE TABLE patient_records (
        record_id text PRIMARY KEY,
        patient text NOT NULL,
        institution text NOT NULL,
        resource_type text NOT NULL,
        event_time timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX patient_records_patient ON patient_records (patient)`);
    await queryRunner.query(`
      CREATE TABLE projection_offsets (
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        PRIMARY KEY (topic, partition)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['projection_offsets', 'patient_records', 'practitioner_roles', 'agreements', 'consents']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
