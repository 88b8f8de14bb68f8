// Per-file keys of attachments, each wrapped by its patient's DEK: shredding the patient leaves them unopenable.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FileKeys1733600000000 implements MigrationInterface {
  name = 'FileKeys1733600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE file_keys (
        file_id text PRIMARY KEY,
        patient text NOT NULL,
        institution text NOT NULL,
        dek_version integer NOT NULL,
        wrapped_key bytea NOT NULL,
        stored boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE file_keys');
  }
}
