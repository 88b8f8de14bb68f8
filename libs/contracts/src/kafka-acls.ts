// Who may do what on the bus, generated from the topic registry: a service writes the topics it produces and reads
// the ones it consumes, under consumer groups and transactional ids named after it. Reviewed with the contracts;
// applied by `npx medshare acls apply` (and `topics create`); test/unit/kafka-acls.spec.ts diffs it against the code.
import { allTopics, INSTITUTION_AUDIT_PREFIX, institutionAuditTopic, topics, type ServiceName, type TopicSpec } from './topics';

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
  // Exactly-once audit projection (apps/governance/src/audit): operational facts in, audit events out, one transaction.
  governance: { groups: ['governance'], transactionalIds: ['governance'] },
};

/** Topics the platform's analysts read: the audit topics made for them and the ledger's block headers; no operational topic. */
export const analystTopics: readonly TopicSpec[] = [
  topics.auditSubmissions,
  topics.auditDecisions,
  topics.auditDisclosures,
  topics.auditErasure,
  topics.auditCases,
  topics.ledgerBlocks,
];

/** The SCRAM users infra/kafka/kafka.sh creates. `operator` (the CLI, the test harness) is a super user, as `broker` is. */
export const kafkaPrincipals = { operator: 'operator', services: serviceNames, analysts: ['analyst-platform'] } as const;

export type AclResourceType = 'topic' | 'group' | 'transactional-id';
/** Kafka's READ and WRITE both imply DESCRIBE; WRITE on a topic also allows an idempotent producer (KIP-679). */
export type AclOperation = 'read' | 'write' | 'create';

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
  // Governance copies audit events into per-institution topics, creating each on its first event.
  for (const operation of ['write', 'create'] as const)
    acls.push({ principal: 'governance', resourceType: 'topic', resourceName: INSTITUTION_AUDIT_PREFIX, pattern: 'prefixed', operation });
  for (const analyst of kafkaPrincipals.analysts) {
    for (const spec of analystTopics) topic(analyst, spec, 'read');
    acls.push({ principal: analyst, resourceType: 'group', resourceName: analyst, pattern: 'prefixed', operation: 'read' });
  }
  return sortAcls(acls);
}

/** The SCRAM user of an institution's analysts (`npx medshare analyst-credentials --institution ID` makes it). */
export function institutionAnalyst(institution: string): string {
  // `analyst-platform` reads every institution's facts: no institution may take its name.
  if (institution === 'platform') throw new Error('"platform" is not an institution id: analyst-platform is the platform-wide analyst');
  return `analyst-${institution}`;
}

/** An institution's analysts read their institution's audit topic and nothing else, in groups `analyst-<id>.<anything>`. */
export function institutionAnalystAcls(institution: string): KafkaAcl[] {
  const principal = institutionAnalyst(institution);
  return sortAcls([
    { principal, resourceType: 'topic', resourceName: institutionAuditTopic(institution).name, pattern: 'literal', operation: 'read' },
    // The dot keeps `analyst-hosp-a.` from matching the groups of an institution `hosp-ab`.
    { principal, resourceType: 'group', resourceName: `${principal}.`, pattern: 'prefixed', operation: 'read' },
  ]);
}

function sortAcls(acls: KafkaAcl[]): KafkaAcl[] {
  return acls.sort((a, b) => aclKey(a).localeCompare(aclKey(b)));
}

/** One line per rule, as reviewers and `acls list` read it. */
export function aclKey({ principal, resourceType, resourceName, pattern, operation }: KafkaAcl): string {
  return `${principal} ${operation} ${resourceType} ${resourceName}${pattern === 'prefixed' ? '*' : ''}`;
}
