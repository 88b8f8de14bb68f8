// The topic registry: every topic medshare uses, its key, partitions, retention and allowed event types.
import type { EventOf, EventType } from './event-types';

export type KeyStrategy = 'patient' | 'institution' | 'correlation' | 'none';

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
}

const DAY = 24 * 60 * 60 * 1000;
const FOREVER = -1;

export const topics = {
  ingestSealed: { name: 'medshare.ingest.sealed.v1', key: 'patient', partitions: 6, retentionMs: 7 * DAY, eventTypes: ['ingest.sealed.v1'], audited: false },
  ingestRejected: { name: 'medshare.ingest.rejected.v1', key: 'institution', partitions: 3, retentionMs: FOREVER, eventTypes: ['ingest.rejected.v1'], audited: true },
  /** Identifier pseudonym → patient pseudonym links, so readers resolve any identifier as ingestion did. */
  identity: { name: 'medshare.identity.v1', key: 'institution', partitions: 3, retentionMs: FOREVER, eventTypes: ['identity.linked.v1'], audited: true },
  recordsEncrypted: { name: 'medshare.records.encrypted.v1', key: 'patient', partitions: 6, retentionMs: FOREVER, eventTypes: ['records.encrypted.v1'], audited: true },
  keys: { name: 'medshare.keys.v1', key: 'none', partitions: 1, retentionMs: FOREVER, eventTypes: ['keys.kek-rotated.v1', 'keys.sealing-key-rotated.v1', 'keys.patient-shredded.v1'], audited: true },
  consent: { name: 'medshare.consent.v1', key: 'patient', partitions: 3, retentionMs: FOREVER, eventTypes: ['consent.recorded.v1'], audited: true },
  grants: { name: 'medshare.grants.v1', key: 'institution', partitions: 1, retentionMs: FOREVER, eventTypes: ['grants.agreement-recorded.v1', 'grants.role-registered.v1'], audited: true },
  accessDecisions: { name: 'medshare.access.decisions.v1', key: 'patient', partitions: 3, retentionMs: FOREVER, eventTypes: ['access.decision.v1'], audited: true },
  recordsDisclosed: { name: 'medshare.records.disclosed.v1', key: 'patient', partitions: 3, retentionMs: FOREVER, eventTypes: ['records.disclosed.v1'], audited: true },
  decryptRequests: { name: 'medshare.encryption.requests.v1', key: 'correlation', partitions: 3, retentionMs: DAY, eventTypes: ['encryption.decrypt-requested.v1'], audited: false },
  decryptReplies: { name: 'medshare.encryption.replies.v1', key: 'correlation', partitions: 3, retentionMs: DAY, eventTypes: ['encryption.decrypt-replied.v1'], audited: false },
  governanceAlerts: { name: 'medshare.governance.alerts.v1', key: 'institution', partitions: 1, retentionMs: FOREVER, eventTypes: ['governance.alert.v1'], audited: true },
  ledgerBlocks: { name: 'medshare.ledger.blocks.v1', key: 'none', partitions: 1, retentionMs: FOREVER, eventTypes: ['ledger.block-committed.v1'], audited: false },
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
};

export const allTopics: readonly TopicSpec[] = [...Object.values(topics), deadLetterTopic];
export const auditedTopics: readonly TopicSpec[] = allTopics.filter((topic) => topic.audited);

export function topicByName(name: string): TopicSpec | undefined {
  return allTopics.find((topic) => topic.name === name);
}
