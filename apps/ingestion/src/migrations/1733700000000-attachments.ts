// Attachment uploads: one row per file (pseudonyms and platform ids only) and the keyed-hash address of every chunk
// stored so far, so an interrupted upload resumes at the first chunk not stored.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Attachments1733700000000 implements MigrationInterface {
  name = 'Attachments1733700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE attachments (
        file_id text PRIMARY KEY,
        institution text NOT NULL,
        patient text NOT NULL,
        size bigint NOT NULL,
        chunk_bytes integer NOT NULL,
        content_type text NOT NULL,
        next_chunk integer NOT NULL DEFAULT 0,
        file_hash text,
        stored boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE attachment_chunks (
        file_id text NOT NULL REFERENCES attachments (file_id),
        idx integer NOT NULL,
        address text NOT NULL,
        PRIMARY KEY (file_id, idx)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE attachment_chunks');
    await queryRunner.query('DROP TABLE attachments');
  }
}
