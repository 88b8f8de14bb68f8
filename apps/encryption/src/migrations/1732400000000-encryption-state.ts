// Encryption state: wrapped KEKs, per-patient wrapped DEKs, wrapped sealing keys, the encrypted record store, permit uses.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EncryptionState1732400000000 implements MigrationInterface {
  name = 'EncryptionState1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE keks (
        version integer PRIMARY KEY,
        wrapped_kek text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'retired')),
        created_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE deks (
        patient text PRIMARY KEY,
        dek_version integer NOT NULL,
        kek_version integer REFERENCES keks (version) DEFERRABLE INITIALLY DEFERRED,
        wrapped_dek text,
        created_at timestamptz NOT NULL DEFAULT now(),
        shredded_at timestamptz,
        CHECK ((wrapped_dek IS NULL) = (shredded_at IS NOT NULL) AND (kek_version IS NULL) = (wrapped_dek IS NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE sealing_keys (
        key_id text PRIMARY KEY,
        public_key text NOT NULL,
        wrapped_private_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        announced_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE encrypted_records (
        record_id text PRIMARY KEY,
        institution text NOT NULL,
        patient text NOT NULL,
        resource_type text NOT NULL,
        event_time text NOT NULL,
        content_hash char(64) NOT NULL,
        dek_id text NOT NULL,
        iv text NOT NULL,
        ciphertext text NOT NULL,
        tag text NOT NULL,
        event_id text NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX encrypted_records_patient ON encrypted_records (patient, resource_type)');
    await queryRunner.query(`
      CREATE TABLE permit_uses (
        decision_id text PRIMARY KEY,
        request_id text NOT NULL,
        used_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['permit_uses', 'encrypted_records', 'sealing_keys', 'deks', 'keks']) await queryRunner.query(`DROP TABLE ${table}`);
  }
}
