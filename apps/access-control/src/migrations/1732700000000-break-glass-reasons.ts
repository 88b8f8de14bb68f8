// The sealing key break-glass reasons are sealed to (from the keys topic), and the sealed reasons kept for review.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BreakGlassReasons1732700000000 implements MigrationInterface {
  name = 'BreakGlassReasons1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The newest keys.sealing-key-rotated.v1 of each source, so a restart resumes with the key it had.
    await queryRunner.query(`
      CREATE TABLE sealing_keys (
        source text PRIMARY KEY,
        event jsonb NOT NULL,
        source_offset bigint NOT NULL
      )`);
    // Ciphertext and a keyed hash only: the reason opens at the encryption service, for a permitted review.
    await queryRunner.query(`
      CREATE TABLE break_glass_reasons (
        decision_id text PRIMARY KEY,
        institution text NOT NULL,
        patient text NOT NULL,
        reason_hash text NOT NULL,
        sealed jsonb NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE break_glass_reasons');
    await queryRunner.query('DROP TABLE sealing_keys');
  }
}
