// Which ingest.sealed message encrypted each sealed event id: a retry republishes a sealed event under the same id,
// and only the message that claimed the id first may publish its records.encrypted events.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EncryptedSealedEvents1734000000000 implements MigrationInterface {
  name = 'EncryptedSealedEvents1734000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE encrypted_sealed_events (
        event_id text PRIMARY KEY,
        sealed_partition integer NOT NULL,
        sealed_offset bigint NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE encrypted_sealed_events');
  }
}
