// What the compliance reports are made of: every disclosure and every crypto-shred as the topics carried them
// (pseudonyms and metadata only, as on the ledger), and identifier links to resolve a patient as ingestion did.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DisclosureReports1780000200000 implements MigrationInterface {
  name = 'DisclosureReports1780000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // holders: the institutions whose records were disclosed (the accounting is theirs to give).
    await queryRunner.query(`
      CREATE TABLE disclosures (
        event_id text PRIMARY KEY,
        decision_id text NOT NULL,
        disclosed_at timestamptz NOT NULL,
        patient text NOT NULL,
        requester_institution text NOT NULL,
        practitioner text NOT NULL,
        role text,
        purpose text NOT NULL,
        break_glass boolean NOT NULL,
        de_identified boolean NOT NULL,
        resource_types text[] NOT NULL,
        holders text[] NOT NULL,
        record_count integer NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX disclosures_patient ON disclosures (patient, disclosed_at)`);
    await queryRunner.query(`CREATE INDEX disclosures_period ON disclosures (disclosed_at)`);
    await queryRunner.query(`
      CREATE TABLE shreds (
        event_id text PRIMARY KEY,
        patient text NOT NULL,
        reason text NOT NULL,
        destroyed_deks integer NOT NULL,
        shredded_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX shreds_period ON shreds (shredded_at)`);
    await queryRunner.query(`CREATE TABLE identity_links (identifier text PRIMARY KEY, patient text NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_links`);
    await queryRunner.query(`DROP TABLE shreds`);
    await queryRunner.query(`DROP TABLE disclosures`);
  }
}
