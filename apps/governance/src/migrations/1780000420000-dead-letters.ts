// Dead letters per refused topic and counting window (the health screen's counts and the `dead-letters` alert).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DeadLetters1780000420000 implements MigrationInterface {
  name = 'DeadLetters1780000420000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE dead_letter_windows (
      topic text NOT NULL,
      window_start timestamptz NOT NULL,
      count integer NOT NULL,
      last_at timestamptz NOT NULL,
      PRIMARY KEY (topic, window_start)
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dead_letter_windows`);
  }
}
