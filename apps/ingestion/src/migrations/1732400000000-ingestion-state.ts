// Ingestion state: Idempotency-Key answers and identity links between pseudonyms. No patient data, no keys.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IngestionState1732400000000 implements MigrationInterface {
  name = 'IngestionState1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        institution text NOT NULL,
        idempotency_key text NOT NULL,
        body_hash char(64) NOT NULL,
        status integer,
        answer jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        answered_at timestamptz,
        PRIMARY KEY (institution, idempotency_key)
      )`);
    await queryRunner.query(`
      CREATE TABLE patient_links (
        identifier text PRIMARY KEY,
        patient text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE patient_links');
    await queryRunner.query('DROP TABLE idempotency_keys');
  }
}
