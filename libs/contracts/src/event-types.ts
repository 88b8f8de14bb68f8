// The catalogue: one runtime schema per versioned event type, shared by producers and consumers.
import { z } from 'zod';
import { auditCaseAlertV1, auditCaseTransitionV1, auditDecisionV1, auditDisclosureV1, auditErasureV1, auditSubmissionV1 } from './events/audit';
import { accessDecisionV1, agreementRecordedV1, consentRecordedV1, roleRegisteredV1 } from './events/access';
import { decryptRepliedV1, decryptRequestedV1 } from './events/encryption-rpc';
import { fileKeyRepliedV1, fileKeyRequestedV1, fileStoredV1 } from './events/files';
import { governanceAlertV1, governanceCaseV1 } from './events/governance';
import { platformHeartbeatV1 } from './events/health';
import { identityLinkedV1, patientTokensV1, practitionerTokensV1 } from './events/identity';
import { ingestRejectedV1, ingestSealedV1 } from './events/ingest';
import { keysKekRotatedV1, keysPatientShreddedV1, keysSealingKeyRotatedV1 } from './events/keys';
import { ledgerBlockCommittedV1 } from './events/ledger';
import { recordsDisclosedV1, recordsEncryptedV1 } from './events/records';
import type { CausedBy, CloudEvent } from './envelope';
import { newEventId } from './event-id';

export const eventSchemas = {
  'ingest.sealed.v1': ingestSealedV1,
  'ingest.rejected.v1': ingestRejectedV1,
  'identity.linked.v1': identityLinkedV1,
  'identity.patient-tokens.v1': patientTokensV1,
  'identity.practitioner-tokens.v1': practitionerTokensV1,
  'records.encrypted.v1': recordsEncryptedV1,
  'records.disclosed.v1': recordsDisclosedV1,
  'keys.kek-rotated.v1': keysKekRotatedV1,
  'keys.sealing-key-rotated.v1': keysSealingKeyRotatedV1,
  'keys.patient-shredded.v1': keysPatientShreddedV1,
  'consent.recorded.v1': consentRecordedV1,
  'grants.agreement-recorded.v1': agreementRecordedV1,
  'grants.role-registered.v1': roleRegisteredV1,
  'access.decision.v1': accessDecisionV1,
  'encryption.decrypt-requested.v1': decryptRequestedV1,
  'encryption.decrypt-replied.v1': decryptRepliedV1,
  'governance.alert.v1': governanceAlertV1,
  'governance.case.v1': governanceCaseV1,
  'files.stored.v1': fileStoredV1,
  'files.key-requested.v1': fileKeyRequestedV1,
  'files.key-replied.v1': fileKeyRepliedV1,
  'ledger.block-committed.v1': ledgerBlockCommittedV1,
  'platform.heartbeat.v1': platformHeartbeatV1,
  'audit.submission.v1': auditSubmissionV1,
  'audit.decision.v1': auditDecisionV1,
  'audit.disclosure.v1': auditDisclosureV1,
  'audit.erasure.v1': auditErasureV1,
  'audit.case-alert.v1': auditCaseAlertV1,
  'audit.case-transition.v1': auditCaseTransitionV1,
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;
type EventsByType = { [T in EventType]: CloudEvent<T, EventData<T>> };
/** A CloudEvent whose `data` is typed by its `type`: narrow with `event.type === '...'`. */
export type MedshareEvent = EventsByType[EventType];
/** Indexed, not built, so an `EventOf<T>` of a generic `T` is still a `MedshareEvent`. */
export type EventOf<T extends EventType> = EventsByType[T];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventSchemas, type);
}

/**
 * Builds an event of the catalogue; `data` is typed by the type's schema, so a wrong payload does not
 * compile. Without a cause the event starts its own correlation chain.
 */
export function envelope<TType extends EventType>(
  type: TType,
  source: string,
  data: EventData<TType>,
  options: { subject?: string; cause?: CausedBy | { id: string; correlationid: string }; time?: Date } = {},
): EventOf<TType> {
  const id = newEventId();
  const cause = options.cause;
  const correlationid = cause ? cause.correlationid : id;
  const causationid = cause ? ('id' in cause ? cause.id : cause.causationid) : id;
  const event: CloudEvent<TType, EventData<TType>> = {
    specversion: '1.0',
    id,
    type,
    source,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    correlationid,
    causationid,
    data,
  };
  // Asserted once, here: TypeScript cannot see that this object is the catalogue's entry for a generic `TType`.
  return event as EventOf<TType>;
}
