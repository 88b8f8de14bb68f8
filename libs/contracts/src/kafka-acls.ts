// Who may do what on the bus, generated from the topic registry: a service writes the topics it produces and reads
// the ones it consumes, under consumer groups and transactional ids named after it. Reviewed with the contracts;
// applied by `npx medshare acls apply` (and `topics create`); test/unit/kafka-acls.spec.ts diffs it against the code.
import { allTopics, topics, type ServiceName, type TopicSpec } from './topics';

export const serviceNames: readonly ServiceName[] = ['ingestion', 'encryption', 'access-control', 'ledger', 'governance'];

/**
 * Consumer-group and transactional-id prefixes per service: its KAFKA_GROUP_ID default (each app's config.ts) and
 * the ids it derives from it (`<group>-sealed`, `<group>-keys-<uuid>`, `<service>-replies-<uuid>`, …). A deployment
 * that sets KAFKA_GROUP_ID keeps it under the prefix (e.g. `encryption-eu`).
 */
export const serviceClientIds: Record<ServiceName, { groups: readonly string[]; transactionalIds: readonly string[] }> = {
  ingestion: { groups: ['ingestion'], transactionalIds: [] },
  // Exactly-once sealed → encrypted: one transactional id per input partition (libs/messaging batch-transactions).
  encryption: { groups: ['encryption'], transactionalIds: ['encryption'] },
  'access-control': { groups: ['access-control'], transactionalIds: [] },
  ledger: { groups: ['ledger', 'medshare-ledger'], transactionalIds: [] },
  governance: { groups: ['governance'], transactionalIds: [] },
};

/** Topics an analyst may read: pseudonymised facts, never sealed payloads, ciphertext, key events or decrypt traffic. */
export const analystTopics: readonly TopicSpec[] = [
  topics.ingestRejected,
  topics.accessDecisions,
  topics.recordsDisclosed,
  topics.governanceAlerts,
  topics.ledgerBlocks,
];

/** The SCRAM users infra/kafka/kafka.sh creates. `operator` (the CLI, the test harness) is a super user, as `broker` is. */
export const kafkaPrincipals = { operator: 'operator', services: serviceNames, analysts: ['analyst-platform'] } as const;

export type AclResourceType = 'topic' | 'group' | 'transactional-id';
/** Kafka's READ and WRITE both imply DESCRIBE; WRITE on a topic also allows an idempotent producer (KIP-679). */
export type AclOperation = 'read' | 'write';

export interface KafkaAcl {
  /** A SCRAM user name (Kafka principal `User:<principal>`). */
  principal: string;
  resourceType: AclResourceType;
  resourceName: string;
  pattern: 'literal' | 'prefixed';
  operation: AclOperation;
}

/** Every ALLOW rule the bus needs, sorted; there are no DENY rules (nothing is allowed without an ACL). */
export function kafkaAcls(): KafkaAcl[] {
  const acls: KafkaAcl[] = [];
  const topic = (principal: string, spec: TopicSpec, operation: AclOperation) =>
    acls.push({ principal, resourceType: 'topic', resourceName: spec.name, pattern: 'literal', operation });
  for (const spec of allTopics) {
    for (const producer of spec.producers) topic(producer, spec, 'write');
    for (const consumer of spec.consumers) topic(consumer, spec, 'read');
  }
  for (const service of serviceNames) {
    for (const group of serviceClientIds[service].groups)
      acls.push({ principal: service, resourceType: 'group', resourceName: group, pattern: 'prefixed', operation: 'read' });
    for (const id of serviceClientIds[service].transactionalIds)
      acls.push({ principal: service, resourceType: 'transactional-id', resourceName: id, pattern: 'prefixed', operation: 'write' });
  }
  for (const analyst of kafkaPrincipals.analysts) {
    for (const spec of analystTopics) topic(analyst, spec, 'read');
    acls.push({ principal: analyst, resourceType: 'group', resourceName: analyst, pattern: 'prefixed', operation: 'read' });
  }
  return acls.sort((a, b) => aclKey(a).localeCompare(aclKey(b)));
}

/** One line per rule, as reviewers and `acls list` read it. */
export function aclKey({ principal, resourceType, resourceName, pattern, operation }: KafkaAcl): string {
  return `${principal} ${operation} ${resourceType} ${resourceName}${pattern === 'prefixed' ? '*' : ''}`;
}
