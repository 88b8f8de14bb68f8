// The access-control projections in PostgreSQL: written batch by batch with the partition offsets they reach,
// read back whole at start so an instance resumes where the projection stands instead of replaying history.
import type { DataSource } from 'typeorm';
import { topics, type MedshareEvent } from '@medshare/contracts';

export interface StoredEvent {
  event: MedshareEvent;
  topic: string;
  partition: number;
  offset: bigint;
}

export interface ProjectionSnapshot {
  /** Consent, agreement and role events, each the newest of its id, and the newest sealing key announcement. */
  events: StoredEvent[];
  holdings: { patient: string; institution: string; resourceType: string }[];
  /** identifier pseudonym → patient pseudonym (identity.linked). */
  identityLinks: { identifier: string; patient: string }[];
  /** topic → partition → next offset to read. */
  offsets: Map<string, Map<number, bigint>>;
}

interface EventRow {
  event: MedshareEvent;
  source_partition: number;
  source_offset: string;
}

export class ProjectionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One consistent view (REPEATABLE READ): rows and offsets written by one transaction are seen together. */
  async snapshot(): Promise<ProjectionSnapshot> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('REPEATABLE READ');
      const consents: EventRow[] = await runner.query('SELECT event, source_partition, source_offset FROM consents');
      const agreements: EventRow[] = await runner.query('SELECT event, source_partition, source_offset FROM agreements');
      const roles: EventRow[] = await runner.query('SELECT event, source_partition, source_offset FROM practitioner_roles');
      const sealingKeys: EventRow[] = await runner.query('SELECT event, 0 AS source_partition, source_offset FROM sealing_keys');
      // A patient is held from the moment ingestion acknowledged a record, readable or still pending.
      const holdings: { patient: string; institution: string; resource_type: string }[] = await runner.query(
        'SELECT DISTINCT patient, institution, resource_type FROM patient_records UNION SELECT DISTINCT patient, institution, resource_type FROM pending_records',
      );
      const identityLinks: { identifier: string; patient: string }[] = await runner.query('SELECT identifier, patient FROM identity_links');
      const offsetRows: { topic: string; partition: number; next_offset: string }[] = await runner.query(
        'SELECT topic, partition, next_offset FROM projection_offsets',
      );
      await runner.commitTransaction();
      const stored = (rows: EventRow[], topic: string) =>
        rows.map((row) => ({ event: row.event, topic, partition: row.source_partition, offset: BigInt(row.source_offset) }));
      const offsets = new Map<string, Map<number, bigint>>();
      for (const row of offsetRows) {
        if (!offsets.has(row.topic)) offsets.set(row.topic, new Map());
        offsets.get(row.topic)?.set(row.partition, BigInt(row.next_offset));
      }
      return {
        events: [
          ...stored(consents, topics.consent.name),
          ...stored(agreements, topics.grants.name),
          ...stored(roles, topics.grants.name),
          ...stored(sealingKeys, topics.keys.name),
        ],
        holdings: holdings.map((row) => ({ patient: row.patient, institution: row.institution, resourceType: row.resource_type })),
        identityLinks,
        offsets,
      };
    } finally {
      await runner.release();
    }
  }

  /** Every record of the patient the platform acknowledged, readable or still pending, as projected so far. */
  /** The versions of one logical resource of an institution (record ids `<logical id>.<version>`) and their patient. */
  async versionsOf(institution: string, resourceType: string, logicalId: string): Promise<{ recordId: string; patient: string }[]> {
    const rows: { record_id: string; patient: string }[] = await this.dataSource.query(
      `SELECT record_id, patient FROM patient_records WHERE institution = $1 AND resource_type = $2 AND record_id LIKE $3
       UNION SELECT record_id, patient FROM pending_records WHERE institution = $1 AND resource_type = $2 AND record_id LIKE $3`,
      [institution, resourceType, `${logicalId}.%`],
    );
    return rows.map((row) => ({ recordId: row.record_id, patient: row.patient }));
  }

  async recordsOf(patient: string): Promise<{ recordId: string; institution: string; resourceType: string }[]> {
    const rows: { record_id: string; institution: string; resource_type: string }[] = await this.dataSource.query(
      `SELECT record_id, institution, resource_type FROM patient_records WHERE patient = $1
       UNION SELECT record_id, institution, resource_type FROM pending_records WHERE patient = $1`,
      [patient],
    );
    return rows.map((row) => ({ recordId: row.record_id, institution: row.institution, resourceType: row.resource_type }));
  }

  /**
   * Saves one partition batch and the offset after it in one transaction. Every instance writes the same rows:
   * the guards keep each row at its newest version and its first owner, and offsets only move forward.
   */
  async save(topic: string, partition: number, events: readonly StoredEvent[], nextOffset: bigint): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const identityLinks: { identifier: string; patient: string }[] = [];
      const records: { recordId: string; patient: string; institution: string; resourceType: string; eventTime: string }[] = [];
      const acknowledged: { recordId: string; patient: string; institution: string; resourceType: string }[] = [];
      for (const { event, offset } of events) {
        const position = [JSON.stringify(event), partition, offset.toString()];
        switch (event.type) {
          case 'consent.recorded.v1':
            await manager.query(
              `INSERT INTO consents (consent_id, institution, patient, event, source_partition, source_offset) VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (consent_id) DO UPDATE SET event = EXCLUDED.event, source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset
               WHERE consents.institution = EXCLUDED.institution AND consents.patient = EXCLUDED.patient
                 AND (consents.source_partition <> EXCLUDED.source_partition OR consents.source_offset < EXCLUDED.source_offset)`,
              [event.data.consentId, event.data.institution, event.data.patient, ...position],
            );
            break;
          case 'grants.agreement-recorded.v1':
            await manager.query(
              `INSERT INTO agreements (agreement_id, holder, event, source_partition, source_offset) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (agreement_id) DO UPDATE SET event = EXCLUDED.event, source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset
               WHERE agreements.holder = EXCLUDED.holder AND agreements.source_offset < EXCLUDED.source_offset`,
              [event.data.agreementId, String(event.data.agreement['holder']), ...position],
            );
            break;
          case 'grants.role-registered.v1':
            await manager.query(
              `INSERT INTO practitioner_roles (practitioner, institution, event, source_partition, source_offset) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (practitioner) DO UPDATE SET event = EXCLUDED.event, source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset
               WHERE practitioner_roles.institution = EXCLUDED.institution AND practitioner_roles.source_offset < EXCLUDED.source_offset`,
              [event.data.practitioner, event.data.institution, ...position],
            );
            break;
          case 'keys.sealing-key-rotated.v1':
            await manager.query(
              `INSERT INTO sealing_keys (source, event, source_offset) VALUES ($1, $2, $3)
               ON CONFLICT (source) DO UPDATE SET event = EXCLUDED.event, source_offset = EXCLUDED.source_offset
               WHERE sealing_keys.source_offset < EXCLUDED.source_offset`,
              [event.source, position[0], position[2]],
            );
            break;
          case 'records.encrypted.v1':
            records.push({
              recordId: event.data.recordId,
              patient: event.data.patient,
              institution: event.data.institution,
              resourceType: event.data.resourceType,
              eventTime: event.data.eventTime,
            });
            break;
          case 'identity.linked.v1':
            identityLinks.push(...event.data.links);
            break;
          case 'ingest.sealed.v1':
            for (const { recordId, resourceType } of event.data.records)
              acknowledged.push({ recordId, patient: event.data.patient, institution: event.data.institution, resourceType });
            break;
          default:
            break;
        }
      }
      if (identityLinks.length > 0) {
        await manager.query(
          `INSERT INTO identity_links (identifier, patient) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (identifier) DO NOTHING`,
          [identityLinks.map((link) => link.identifier), identityLinks.map((link) => link.patient)],
        );
      }
      if (records.length > 0) {
        await manager.query(
          `INSERT INTO patient_records (record_id, patient, institution, resource_type, event_time)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) ON CONFLICT (record_id) DO NOTHING`,
          [
            records.map((r) => r.recordId),
            records.map((r) => r.patient),
            records.map((r) => r.institution),
            records.map((r) => r.resourceType),
            records.map((r) => r.eventTime),
          ],
        );
        await manager.query('DELETE FROM pending_records WHERE record_id = ANY($1::text[])', [records.map((r) => r.recordId)]);
      }
      if (acknowledged.length > 0) {
        // A row left behind by a concurrent transaction that made it readable is filtered out on reading.
        await manager.query(
          `INSERT INTO pending_records (record_id, patient, institution, resource_type)
           SELECT a.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS a (record_id, patient, institution, resource_type)
           WHERE NOT EXISTS (SELECT 1 FROM patient_records p WHERE p.record_id = a.record_id)
           ON CONFLICT (record_id) DO NOTHING`,
          [
            acknowledged.map((r) => r.recordId),
            acknowledged.map((r) => r.patient),
            acknowledged.map((r) => r.institution),
            acknowledged.map((r) => r.resourceType),
          ],
        );
      }
      await manager.query(
        `INSERT INTO projection_offsets (topic, partition, next_offset) VALUES ($1, $2, $3)
         ON CONFLICT (topic, partition) DO UPDATE SET next_offset = GREATEST(projection_offsets.next_offset, EXCLUDED.next_offset)`,
        [topic, partition, nextOffset.toString()],
      );
    });
  }
}
