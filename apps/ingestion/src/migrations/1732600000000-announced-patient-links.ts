// Marks which patient links have been published on medshare.identity.v1, so a link whose event was not
// acknowledged is published again by the next request that relies on it.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AnnouncedPatientLinks1732600000000 implements MigrationInterface {
  name = 'AnnouncedPatientLinks1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Links made before this column existed are announced the next time a request uses them.
    await queryRunner.query('ALTER TABLE patient_links ADD COLUMN announced boolean NOT NULL DEFAULT false');
    // A link of a pseudonym to itself tells a reader nothing: it never needs announcing.
    await queryRunner.query('UPDATE patient_links SET announced = true WHERE identifier = patient');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE patient_links DROP COLUMN announced');
  }
}
