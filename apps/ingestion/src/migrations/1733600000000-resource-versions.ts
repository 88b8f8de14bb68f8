// Logical resources and their versions: platform ids, keyed pseudonyms of the clients' ids and identifiers (they
// are patient data), keyed content hashes, and which versions Kafka acknowledged. Never content.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ResourceVersions1733600000000 implements MigrationInterface {
  name = 'ResourceVersions1733600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE fhir_resources (
      institution text NOT NULL, resource_type text NOT NULL, logical_id text NOT NULL, key_owner text NOT NULL,
      PRIMARY KEY (institution, resource_type, logical_id))`);
    await queryRunner.query(`CREATE TABLE fhir_client_ids (
      institution text NOT NULL, client_ref text NOT NULL, resource_type text NOT NULL, logical_id text NOT NULL,
      PRIMARY KEY (institution, client_ref))`);
    await queryRunner.query(`CREATE TABLE fhir_identifiers (
      institution text NOT NULL, identifier_ref text NOT NULL, resource_type text NOT NULL, logical_id text NOT NULL,
      PRIMARY KEY (institution, identifier_ref))`);
    // A version is reserved before its records are published and confirmed once Kafka acknowledged them: only
    // confirmed versions are current, and a reserved number is never given twice.
    await queryRunner.query(`CREATE TABLE fhir_versions (
      institution text NOT NULL, resource_type text NOT NULL, logical_id text NOT NULL, version integer NOT NULL,
      record_id text NOT NULL UNIQUE, content_hash text NOT NULL, deleted boolean NOT NULL, last_updated timestamptz NOT NULL,
      confirmed boolean NOT NULL DEFAULT false,
      PRIMARY KEY (institution, resource_type, logical_id, version))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE fhir_versions, fhir_identifiers, fhir_client_ids, fhir_resources');
  }
}
