// Data quality per institution and day, counted exactly once from the topics (applied offsets), so every instance
// sees and extends the same counts: days, rejection windows, issue codes and paths, and content hashes seen. Also
// when each consumer group's lag episode began, shared by the instances that measure it.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DataQuality1780000350000 implements MigrationInterface {
  name = 'DataQuality1780000350000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE applied_offsets (
        consumer text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        PRIMARY KEY (consumer, topic, partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE quality_days (
        institution text NOT NULL,
        day date NOT NULL,
        accepted integer NOT NULL DEFAULT 0,
        refused_submissions integer NOT NULL DEFAULT 0,
        refused_resources integer NOT NULL DEFAULT 0,
        duplicates integer NOT NULL DEFAULT 0,
        PRIMARY KEY (institution, day)
      )`);
    await queryRunner.query(`
      CREATE TABLE quality_issues (
        institution text NOT NULL,
        day date NOT NULL,
        code text NOT NULL,
        path text NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (institution, day, code, path)
      )`);
    await queryRunner.query(`
      CREATE TABLE quality_windows (
        institution text NOT NULL,
        window_start timestamptz NOT NULL,
        rejected integer NOT NULL,
        PRIMARY KEY (institution, window_start)
      )`);
    await queryRunner.query(`CREATE TABLE lag_episodes (group_id text PRIMARY KEY, over_since timestamptz NOT NULL)`);
    // One row per distinct content an institution sent: a later record with the same hash is a resubmitted duplicate.
    await queryRunner.query(`
      CREATE TABLE quality_contents (
        institution text NOT NULL,
        content_hash text NOT NULL,
        record_id text NOT NULL,
        PRIMARY KEY (institution, content_hash)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['lag_episodes', 'quality_contents', 'quality_windows', 'quality_issues', 'quality_days', 'applied_offsets']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
