// Seals a request's records, one HPKE box per patient group, into ingest.sealed events. Holds only a public key.
import { envelope, newEventId, sealedGroupAad, type EventOf, type SealedRecord } from '@medshare/contracts';
import { sealRecordGroup } from '@medshare/crypto';
import type { FhirResource } from '@medshare/fhir';

/** The encryption service's current sealing public key, as announced on the keys topic. */
export interface SealingPublicKey {
  keyId: string;
  publicKeyB64: string;
}

export interface RecordToSeal {
  entry?: number;
  patient: string;
  resource: FhirResource;
  /** Minted here unless the caller reserved one (a version is reserved under its record id before sealing). */
  recordId?: string;
}

export interface SealedRecordReceipt {
  entry?: number;
  recordId: string;
  resourceType: string;
  eventId: string;
}

export interface SealedSubmission {
  events: EventOf<'ingest.sealed.v1'>[];
  receipts: SealedRecordReceipt[];
}

/** Groups records by patient (first-seen order) and seals each group once: ~1 ms of HPKE per patient, not per record. */
export async function sealSubmission(input: {
  institution: string;
  requestId: string;
  key: SealingPublicKey;
  records: readonly RecordToSeal[];
}): Promise<SealedSubmission> {
  const groups = new Map<string, { record: RecordToSeal; recordId: string }[]>();
  for (const record of input.records) {
    const group = groups.get(record.patient) ?? [];
    group.push({ record, recordId: record.recordId ?? newEventId() });
    groups.set(record.patient, group);
  }
  const events: EventOf<'ingest.sealed.v1'>[] = [];
  const receipts: SealedRecordReceipt[] = [];
  for (const [patient, group] of groups) {
    const records = group.map(({ record, recordId }) => ({ recordId, resourceType: record.resource.resourceType }));
    const plaintext: SealedRecord[] = group.map(({ record, recordId }) => ({
      recordId,
      resourceType: record.resource.resourceType,
      resource: record.resource,
    }));
    const metadata = { institution: input.institution, patient, requestId: input.requestId, records };
    const sealed = await sealRecordGroup(input.key.publicKeyB64, input.key.keyId, plaintext, sealedGroupAad(metadata));
    const event = envelope('ingest.sealed.v1', input.institution, { ...metadata, sealed }, { subject: patient });
    events.push(event);
    group.forEach(({ record, recordId }) =>
      receipts.push({
        ...(record.entry === undefined ? {} : { entry: record.entry }),
        recordId,
        resourceType: record.resource.resourceType,
        eventId: event.id,
      }),
    );
  }
  receipts.sort((a, b) => (a.entry ?? 0) - (b.entry ?? 0));
  return { events, receipts };
}
