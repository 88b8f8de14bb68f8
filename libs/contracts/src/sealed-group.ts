// What ingestion seals and the encryption service opens: the plaintext inside an ingest.sealed box and its HPKE AAD.
import { canonicalBytes } from './canonical';
import type { EventData } from './event-types';

/** One record inside a sealed patient group (the box holds a JSON array of these, in `records` order). */
export interface SealedRecord {
  recordId: string;
  resourceType: string;
  /** The FHIR R4 resource as submitted. */
  resource: Record<string, unknown>;
}

/**
 * The AAD of an ingest.sealed box: binds the box to its event's institution, patient, request and record list,
 * so a box moved to another event, or a record list edited on the wire, no longer opens.
 */
export function sealedGroupAad(data: Omit<EventData<'ingest.sealed.v1'>, 'sealed'>): Buffer {
  return canonicalBytes({
    label: 'medshare.ingest.sealed.v1',
    institution: data.institution,
    patient: data.patient,
    requestId: data.requestId,
    records: data.records,
  });
}

/** The AAD of a decrypt reply's sealed box: the id of the request it answers (UTF-8), so a reply cannot be replayed onto another request. */
export function decryptReplyAad(requestId: string): Buffer {
  return Buffer.from(`medshare.decrypt-reply.v1:${requestId}`, 'utf8');
}

/**
 * The AAD of a break-glass reason sealed to the encryption service: the decision it explains and its patient, so a
 * sealed reason moved onto another decision no longer opens.
 */
export function breakGlassReasonAad(decisionId: string, patient: string): Buffer {
  return canonicalBytes({ label: 'medshare.break-glass-reason.v1', decisionId, patient });
}
