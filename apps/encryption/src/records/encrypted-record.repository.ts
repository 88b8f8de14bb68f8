// The encrypted record store: a projection of records.encrypted (ciphertext and non-identifying metadata only).
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { EventOf } from '@medshare/contracts';
import { DATA_SOURCE } from '@medshare/service-kit';

export interface StoredRecord {
  recordId: string;
  institution: string;
  patient: string;
  resourceType: string;
  eventTime: string;
  contentHash: string;
  dekId: string;
  iv: string;
  ciphertext: string;
  tag: string;
  eventId: string;
}

const COLUMNS = 'record_id, institution, patient, resource_type, event_time, content_hash, dek_id, iv, ciphertext, tag, event_id';

@Injectable()
export class EncryptedRecordRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Idempotent: a replayed or redelivered event keeps the row its first delivery wrote. */
  async project(events: readonly EventOf<'records.encrypted.v1'>[]): Promise<number> {
    if (events.length === 0) return 0;
    const column = <K extends keyof EventOf<'records.encrypted.v1'>['data']>(key: K) => events.map((event) => event.data[key]);
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO encrypted_records (${COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT (record_id) DO NOTHING RETURNING record_id`,
      [
        column('recordId'),
        column('institution'),
        column('patient'),
        column('resourceType'),
        column('eventTime'),
        column('contentHash'),
        column('dekId'),
        column('iv'),
        column('ciphertext'),
        column('tag'),
        events.map((event) => event.id),
      ],
    );
    return inserted.length;
  }

  async ofPatient(patient: string, resourceTypes: readonly string[]): Promise<StoredRecord[]> {
    const rows: Record<string, string>[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM encrypted_records WHERE patient = $1 AND resource_type = ANY($2::text[]) ORDER BY record_id`,
      [patient, [...resourceTypes]],
    );
    return rows.map(toStoredRecord);
  }

  async byIds(recordIds: readonly string[]): Promise<StoredRecord[]> {
    const rows: Record<string, string>[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM encrypted_records WHERE record_id = ANY($1::text[]) ORDER BY record_id`,
      [[...recordIds]],
    );
    return rows.map(toStoredRecord);
  }
}

function toStoredRecord(row: Record<string, string>): StoredRecord {
  return {
    recordId: row.record_id,
    institution: row.institution,
    patient: row.patient,
    resourceType: row.resource_type,
    eventTime: row.event_time,
    contentHash: row.content_hash,
    dekId: row.dek_id,
    iv: row.iv,
    ciphertext: row.ciphertext,
    tag: row.tag,
    eventId: row.event_id,
  };
}
