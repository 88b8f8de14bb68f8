// Logical resources and versions (see versions/version-plan.ts): what a submission's requests target, the versions
// it reserves before publishing, and their confirmation once Kafka acknowledged them. Pseudonyms, ids and keyed
// hashes only.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';
import type { EntryOutcome, KnownResources, StoredResource } from '../versions/version-plan';

export interface Lookups {
  clientRefs: readonly string[];
  identifierRefs: readonly string[];
  /** `Type/logicalId` of platform ids a client names (PUT/DELETE by the id medshare answered). */
  logicalIds: readonly string[];
}

type Write = Extract<EntryOutcome, { kind: 'write' }>;

/** A reserved version number or a client id was taken by a concurrent request: the submission may be retried. */
export class VersionConflict extends Error {}

@Injectable()
export class ResourceVersionRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async known(institution: string, lookups: Lookups): Promise<KnownResources> {
    const [clientRows, identifierRows, logicalRows] = (await Promise.all([
      this.dataSource.query(
        `SELECT client_ref AS ref, resource_type, logical_id FROM fhir_client_ids WHERE institution = $1 AND client_ref = ANY($2::text[])`,
        [institution, [...lookups.clientRefs]],
      ),
      this.dataSource.query(
        `SELECT identifier_ref AS ref, resource_type, logical_id FROM fhir_identifiers WHERE institution = $1 AND identifier_ref = ANY($2::text[])`,
        [institution, [...lookups.identifierRefs]],
      ),
      this.dataSource.query(
        `SELECT resource_type || '/' || logical_id AS ref, resource_type, logical_id FROM fhir_resources JOIN unnest($2::text[], $3::text[]) AS k(resource_type, logical_id) USING (resource_type, logical_id) WHERE institution = $1`,
        [institution, ...pairs(lookups.logicalIds)],
      ),
    ])) as { ref: string; resource_type: string; logical_id: string }[][];
    const keys = [...clientRows, ...identifierRows, ...logicalRows].map((row) => `${row.resource_type}/${row.logical_id}`);
    const stored = await this.stored(institution, keys);
    const index = (rows: { ref: string; resource_type: string; logical_id: string }[]) => {
      const found = new Map<string, StoredResource>();
      for (const row of rows) {
        const resource = stored.get(`${row.resource_type}/${row.logical_id}`);
        if (resource !== undefined) found.set(row.ref, resource);
      }
      return found;
    };
    return { byClientRef: index(clientRows), byIdentifierRef: index(identifierRows), byLogicalId: index(logicalRows) };
  }

  /** `Type/logicalId` → the resource with its newest confirmed version and its next free version number. */
  private async stored(institution: string, keys: readonly string[]): Promise<Map<string, StoredResource>> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return new Map();
    const rows: {
      resource_type: string;
      logical_id: string;
      key_owner: string;
      version: number | null;
      next_version: number;
      content_hash: string | null;
      deleted: boolean | null;
      last_updated: Date | null;
    }[] = await this.dataSource.query(
      `SELECT r.resource_type, r.logical_id, r.key_owner, c.version, c.content_hash, c.deleted, c.last_updated,
              COALESCE((SELECT max(v.version) FROM fhir_versions v WHERE v.institution = r.institution AND v.resource_type = r.resource_type AND v.logical_id = r.logical_id), 0) + 1 AS next_version
       FROM fhir_resources r
       LEFT JOIN LATERAL (SELECT version, content_hash, deleted, last_updated FROM fhir_versions v
                          WHERE v.institution = r.institution AND v.resource_type = r.resource_type AND v.logical_id = r.logical_id AND v.confirmed
                          ORDER BY version DESC LIMIT 1) c ON true
       JOIN unnest($2::text[], $3::text[]) AS k(resource_type, logical_id) USING (resource_type, logical_id)
       WHERE r.institution = $1`,
      [institution, ...pairs(unique)],
    );
    return new Map(
      rows.map((row) => [
        `${row.resource_type}/${row.logical_id}`,
        {
          resourceType: row.resource_type,
          logicalId: row.logical_id,
          keyOwner: row.key_owner,
          version: row.version ?? 0,
          nextVersion: Number(row.next_version),
          deleted: row.deleted ?? false,
          ...(row.content_hash !== null && { contentHash: row.content_hash }),
          ...(row.last_updated !== null && { lastUpdated: row.last_updated.toISOString() }),
        },
      ]),
    );
  }

  /**
   * Reserves the writes' versions (unconfirmed) with their logical resources, client ids and identifiers, in one
   * transaction. A version number or a client id a concurrent request took first is a VersionConflict, and nothing
   * of this submission stays reserved.
   */
  async reserve(institution: string, writes: readonly (Write & { recordId: string })[]): Promise<void> {
    if (writes.length === 0) return;
    await this.dataSource.transaction(async (tx) => {
      const column = <T>(pick: (write: Write & { recordId: string }) => T) => writes.map(pick);
      await tx.query(
        `INSERT INTO fhir_resources (institution, resource_type, logical_id, key_owner) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
        [institution, column((write) => write.resourceType), column((write) => write.logicalId), column((write) => write.keyOwner)],
      );
      const clients = writes.filter((write) => write.clientRef !== undefined);
      await tx.query(
        `INSERT INTO fhir_client_ids (institution, client_ref, resource_type, logical_id) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
        [institution, clients.map((write) => write.clientRef), clients.map((write) => write.resourceType), clients.map((write) => write.logicalId)],
      );
      const taken: { n: string }[] = await tx.query(
        `SELECT count(*) AS n FROM fhir_client_ids c JOIN unnest($2::text[], $3::text[]) AS w(client_ref, logical_id) USING (client_ref) WHERE c.institution = $1 AND c.logical_id <> w.logical_id`,
        [institution, clients.map((write) => write.clientRef), clients.map((write) => write.logicalId)],
      );
      if (Number(taken[0].n) > 0) throw new VersionConflict('a client id was given a resource by a concurrent request');
      const identifiers = writes.flatMap((write) => write.identifierRefs.map((ref) => [ref, write.resourceType, write.logicalId]));
      await tx.query(
        `INSERT INTO fhir_identifiers (institution, identifier_ref, resource_type, logical_id) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
        [institution, identifiers.map((row) => row[0]), identifiers.map((row) => row[1]), identifiers.map((row) => row[2])],
      );
      const inserted: unknown[] = await tx.query(
        `INSERT INTO fhir_versions (institution, resource_type, logical_id, version, record_id, content_hash, deleted, last_updated)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::boolean[], $8::timestamptz[]) ON CONFLICT DO NOTHING RETURNING 1`,
        [
          institution,
          column((write) => write.resourceType),
          column((write) => write.logicalId),
          column((write) => write.version),
          column((write) => write.recordId),
          column((write) => write.contentHash),
          column((write) => write.deleted),
          column((write) => write.lastUpdated),
        ],
      );
      if (inserted.length !== writes.length) throw new VersionConflict('a version number was reserved by a concurrent request');
    });
  }

  /** Kafka acknowledged these records: their versions become current. */
  async confirm(recordIds: readonly string[]): Promise<void> {
    if (recordIds.length === 0) return;
    await this.dataSource.query('UPDATE fhir_versions SET confirmed = true WHERE record_id = ANY($1::text[]) AND NOT confirmed', [[...recordIds]]);
  }
}

/** `Type/id` keys as two arrays, for a join on (resource_type, logical_id) that uses the primary key. */
function pairs(keys: readonly string[]): [string[], string[]] {
  return [keys.map((key) => key.slice(0, key.indexOf('/'))), keys.map((key) => key.slice(key.indexOf('/') + 1))];
}
