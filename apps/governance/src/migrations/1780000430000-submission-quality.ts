// Timeliness and dangling references per institution and day, and submissions per institution and hour (the
// volume-drop baseline), from ingestion's submission facts (`audit.submission.v1`), counted with the other figures.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SubmissionQuality1780000430000 implements MigrationInterface {
  name = 'SubmissionQuality1780000430000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE quality_days
      ADD COLUMN timed_resources integer NOT NULL DEFAULT 0,
      ADD COLUMN timeliness_seconds bigint NOT NULL DEFAULT 0,
      ADD COLUMN timeliness_max_seconds bigint NOT NULL DEFAULT 0,
      ADD COLUMN dangling_references integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`CREATE TABLE quality_hours (
      institution text NOT NULL,
      hour timestamptz NOT NULL,
      submissions integer NOT NULL,
      PRIMARY KEY (institution, hour)
    )`);
    await queryRunner.query(`CREATE INDEX quality_hours_hour ON quality_hours (hour)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE quality_hours`);
    await queryRunner.query(`ALTER TABLE quality_days DROP COLUMN timed_resources, DROP COLUMN timeliness_seconds,
      DROP COLUMN timeliness_max_seconds, DROP COLUMN dangling_references`);
  }
}
