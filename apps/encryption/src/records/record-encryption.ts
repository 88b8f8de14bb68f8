// The pure step between an opened patient group and records.encrypted events: AES-256-GCM per record under the
// patient's DEK, the AAD binding record id, patient, institution and DEK version.
import { canonicalJson, envelope, type EventOf, type SealedRecord } from '@medshare/contracts';
import { contentHash, encryptRecord, type RecordAad } from '@medshare/crypto';
import { dekVersionOf, type PatientKey } from '../keys/data-keys';
import type { StoredRecord } from './encrypted-record.repository';

export interface OpenedGroup {
  sealedEvent: EventOf<'ingest.sealed.v1'>;
  records: SealedRecord[];
}

/** Checks what came out of a box against the event's record list: same ids, types and order. */
export function matchesRecordList(opened: unknown[], listed: readonly { recordId: string; resourceType: string }[]): opened is SealedRecord[] {
  return (
    opened.length === listed.length &&
    opened.every((item, index) => {
      const record = item as Partial<SealedRecord>;
      return (
        typeof record === 'object' &&
        record !== null &&
        record.recordId === listed[index].recordId &&
        record.resourceType === listed[index].resourceType &&
        typeof record.resource === 'object' &&
        record.resource !== null &&
        (record.resource as { resourceType?: unknown }).resourceType === record.resourceType
      );
    })
  );
}

export function encryptGroup(group: OpenedGroup, key: { dek: Buffer; dekId: string; dekVersion: number }, source: string): EventOf<'records.encrypted.v1'>[] {
  const { institution, patient } = group.sealedEvent.data;
  return group.records.map((record) => {
    // RFC 8785 bytes, by the faster of contracts' two equal ways to them.
    const plaintext = Buffer.from(canonicalJson(record.resource), 'utf8');
    const parts = encryptRecord({ dek: key.dek, plaintext, aad: { recordId: record.recordId, patient, institution, dekVersion: key.dekVersion } });
    return envelope(
      'records.encrypted.v1',
      source,
      {
        recordId: record.recordId,
        institution,
        patient,
        resourceType: record.resourceType,
        eventTime: group.sealedEvent.time,
        contentHash: contentHash(plaintext),
        dekId: key.dekId,
        iv: parts.iv.toString('base64'),
        ciphertext: parts.ciphertext.toString('base64'),
        tag: parts.tag.toString('base64'),
      },
      { subject: patient, cause: group.sealedEvent },
    );
  });
}

/** The AAD a stored row must decrypt under: its own record id, patient, institution and the DEK version in its dekId. */
export function storedRecordAad(row: Pick<StoredRecord, 'recordId' | 'patient' | 'institution' | 'dekId'>): RecordAad {
  return { recordId: row.recordId, patient: row.patient, institution: row.institution, dekVersion: dekVersionOf(row.dekId) };
}

/** Encrypts the groups of patients with a live key; groups of erased (shredded) or keyless patients are returned to reject. */
export function encryptOpenedGroups<T>(
  opened: readonly { consumed: T; group: OpenedGroup }[],
  keys: ReadonlyMap<string, PatientKey>,
  source: string,
): { events: EventOf<'records.encrypted.v1'>[]; erased: T[] } {
  const events: EventOf<'records.encrypted.v1'>[] = [];
  const erased: T[] = [];
  for (const { consumed, group } of opened) {
    const key = keys.get(group.sealedEvent.data.patient);
    if (key === undefined || key.kind === 'erased') erased.push(consumed);
    else events.push(...encryptGroup(group, key, source));
  }
  return { events, erased };
}
