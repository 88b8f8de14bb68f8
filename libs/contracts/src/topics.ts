// The topic registry: every topic medshare uses, its key, partitions, retention and allowed event types.
import type { EventOf, EventType } from './event-types';

export type KeyStrategy = 'patient' | 'institution' | 'correlation' | 'none';
export type ServiceName = 'ingestion' | 'encryption' | 'access-control' | 'governance' | 'ledger';

export interface TopicSpec {
  name: string;
  /** What the Kafka key is: per-patient order where it matters, else the institution. */
  key: KeyStrategy;
  partitions: number;
  /** -1 keeps forever: topics that projections are rebuilt from. */
  retentionMs: number;
  eventTypes: readonly EventType[];
  /** The ledger consumes audited topics; every event on them becomes a leaf. */
  audited: boolean;
  /** Who writes and who reads it (topics.spec checks the services' code agrees): the owner in one hop. */
  producers: readonly ServiceName[];
  consumers: readonly ServiceName[];
}

const DAY = 24 * 60 * 60 * 1000;
const FOREVER = -1;

export const topics = {
  ingestSealed: {
    name: 'medshare.ingest.sealed.v1',
    key: 'patient',
    partitions: 6,
    retentionMs: 7 * DAY,
    eventTypes: ['ingest.sealed.v1'],
    audited: false,
    producers: ['ingestion'],
    consumers: ['encryption', 'access-control'],
  },
  ingestRejected: {
    name: 'medshare.ingest.rejected.v1',
    key: 'institution',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['ingest.rejected.v1'],
    audited: true,
    producers: ['ingestion'],
    consumers: ['governance', 'ledger'],
  },
  /** Identifier pseudonym → patient pseudonym links, so readers resolve any identifier as ingestion did. */
  identity: {
    name: 'medshare.identity.v1',
    key: 'institution',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['identity.linked.v1', 'identity.patient-tokens.v1', 'identity.practitioner-tokens.v1'],
    audited: true,
    producers: ['ingestion'],
    consumers: ['access-control', 'governance', 'ledger'],
  },
  recordsEncrypted: {
    name: 'medshare.records.encrypted.v1',
    key: 'patient',
    partitions: 6,
    retentionMs: FOREVER,
    eventTypes: ['records.encrypted.v1'],
    audited: true,
    producers: ['encryption'],
    consumers: ['encryption', 'access-control', 'governance', 'ledger'],
  },
  keys: {
    name: 'medshare.keys.v1',
    key: 'none',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['keys.kek-rotated.v1', 'keys.sealing-key-rotated.v1', 'keys.patient-shredded.v1'],
    audited: true,
    producers: ['encryption'],
    consumers: ['ingestion', 'access-control', 'governance', 'ledger'],
  },
  consent: {
    name: 'medshare.consent.v1',
    key: 'patient',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['consent.recorded.v1'],
    audited: true,
    producers: ['access-control'],
    consumers: ['access-control', 'ledger'],
  },
  grants: {
    name: 'medshare.grants.v1',
    key: 'institution',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['grants.agreement-recorded.v1', 'grants.role-registered.v1'],
    audited: true,
    producers: ['access-control'],
    consumers: ['access-control', 'governance', 'ledger'],
  },
  accessDecisions: {
    name: 'medshare.access.decisions.v1',
    key: 'patient',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['access.decision.v1'],
    audited: true,
    producers: ['access-control'],
    consumers: ['governance', 'ledger'],
  },
  recordsDisclosed: {
    name: 'medshare.records.disclosed.v1',
    key: 'patient',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['records.disclosed.v1'],
    audited: true,
    producers: ['access-control'],
    consumers: ['governance', 'ledger'],
  },
  decryptRequests: {
    name: 'medshare.encryption.requests.v1',
    key: 'correlation',
    partitions: 3,
    retentionMs: DAY,
    eventTypes: ['encryption.decrypt-requested.v1'],
    audited: false,
    producers: ['access-control'],
    consumers: ['encryption'],
  },
  decryptReplies: {
    name: 'medshare.encryption.replies.v1',
    key: 'correlation',
    partitions: 3,
    retentionMs: DAY,
    eventTypes: ['encryption.decrypt-replied.v1'],
    audited: false,
    producers: ['encryption'],
    consumers: ['access-control'],
  },
  /** Attachments: each stored file's keyed hash, size and chunk count (never content). */
  files: {
    name: 'medshare.files.v1',
    key: 'patient',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['files.stored.v1'],
    audited: true,
    producers: ['ingestion'],
    consumers: ['ledger'],
  },
  fileKeyRequests: {
    name: 'medshare.files.key-requests.v1',
    key: 'correlation',
    partitions: 3,
    retentionMs: DAY,
    eventTypes: ['files.key-requested.v1'],
    audited: false,
    producers: ['ingestion'],
    consumers: ['encryption'],
  },
  fileKeyReplies: {
    name: 'medshare.files.key-replies.v1',
    key: 'correlation',
    partitions: 3,
    retentionMs: DAY,
    eventTypes: ['files.key-replied.v1'],
    audited: false,
    producers: ['encryption'],
    consumers: ['ingestion'],
  },
  governanceAlerts: {
    name: 'medshare.governance.alerts.v1',
    key: 'institution',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['governance.alert.v1'],
    audited: true,
    producers: ['access-control', 'encryption', 'governance', 'ledger'],
    consumers: ['governance', 'ledger'],
  },
  /** Every step of a governance case's handling: the ledger proves how each finding was handled. */
  governanceCases: {
    name: 'medshare.governance.cases.v1',
    key: 'institution',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['governance.case.v1'],
    audited: true,
    producers: ['governance'],
    consumers: ['governance', 'ledger'],
  },
  /** Audit topics for analysts (docs/analysts.md): one event per fact, on the ledger; governance's AuditProjector writes all but submissions. */
  auditSubmissions: {
    name: 'medshare.audit.submissions.v1',
    key: 'institution',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['audit.submission.v1'],
    audited: true,
    producers: ['ingestion'],
    consumers: ['governance', 'ledger'],
  },
  auditDecisions: {
    name: 'medshare.audit.decisions.v1',
    key: 'institution',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['audit.decision.v1'],
    audited: true,
    producers: ['governance'],
    consumers: ['ledger'],
  },
  auditDisclosures: {
    name: 'medshare.audit.disclosures.v1',
    key: 'patient',
    partitions: 3,
    retentionMs: FOREVER,
    eventTypes: ['audit.disclosure.v1'],
    audited: true,
    producers: ['governance'],
    consumers: ['ledger'],
  },
  auditErasure: {
    name: 'medshare.audit.erasure.v1',
    key: 'patient',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['audit.erasure.v1'],
    audited: true,
    producers: ['governance'],
    consumers: ['ledger'],
  },
  auditCases: {
    name: 'medshare.audit.cases.v1',
    key: 'institution',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['audit.case-alert.v1', 'audit.case-transition.v1'],
    audited: true,
    producers: ['governance'],
    consumers: ['ledger'],
  },
  ledgerBlocks: {
    name: 'medshare.ledger.blocks.v1',
    key: 'none',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['ledger.block-committed.v1'],
    audited: false,
    producers: ['ledger'],
    consumers: [],
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = (typeof topics)[keyof typeof topics]['name'];
/** The events a topic may carry: for a registry entry only its own types, for any `TopicSpec` every type. */
export type EventOn<TTopic extends TopicSpec> = { [T in TTopic['eventTypes'][number]]: EventOf<T> }[TTopic['eventTypes'][number]];

/** Rejected messages land here with the reason in headers (dlq.*) and their original bytes. */
export const deadLetterTopic: TopicSpec = {
  name: 'medshare.deadletter.v1',
  key: 'none',
  partitions: 1,
  retentionMs: FOREVER,
  eventTypes: [],
  audited: false,
  // Every service's BatchConsumer dead-letters; governance counts them per refused topic from the dlq.* headers.
  producers: ['ingestion', 'encryption', 'access-control', 'governance', 'ledger'],
  consumers: ['governance'],
};

/** Heartbeats of every service instance, published by libs/service-kit; governance watches them for outages. */
export const healthTopic = {
  name: 'medshare.health.v1',
  key: 'none',
  partitions: 1,
  retentionMs: DAY,
  eventTypes: ['platform.heartbeat.v1'],
  audited: false,
  producers: ['ingestion', 'encryption', 'access-control', 'governance', 'ledger'],
  consumers: ['governance'],
} as const satisfies TopicSpec;

export const allTopics: readonly TopicSpec[] = [...Object.values(topics), deadLetterTopic, healthTopic];
export const auditedTopics: readonly TopicSpec[] = allTopics.filter((topic) => topic.audited);

/** Per-institution audit topics share this prefix: `<prefix><institution>.v1` (ACLs grant the writer the prefix). */
export const INSTITUTION_AUDIT_PREFIX = 'medshare.audit.institution.';

/**
 * An institution's own copy of the audit events that concern it (as submitter, requester, holder or case owner), so
 * that a Kafka ACL on one topic scopes its analysts. Erasures name no institution and stay on the platform topic.
 * Copies of audited topics, not on the ledger themselves; governance creates each on its first event.
 */
export function institutionAuditTopic(institution: string): TopicSpec {
  return {
    name: `${INSTITUTION_AUDIT_PREFIX}${institution}.v1`,
    key: 'none',
    partitions: 1,
    retentionMs: FOREVER,
    eventTypes: ['audit.submission.v1', 'audit.decision.v1', 'audit.disclosure.v1', 'audit.case-alert.v1', 'audit.case-transition.v1'],
    audited: false,
    producers: ['governance'],
    consumers: [],
  };
}

const INSTITUTION_AUDIT_NAME = /^medshare\.audit\.institution\.([a-z0-9][a-z0-9-]{1,62})\.v1$/;

export function topicByName(name: string): TopicSpec | undefined {
  const institution = INSTITUTION_AUDIT_NAME.exec(name)?.[1];
  return institution === undefined ? allTopics.find((topic) => topic.name === name) : institutionAuditTopic(institution);
}
