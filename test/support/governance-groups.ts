// A governance started against the shared broker reads what a test publishes, not the day's history of every run:
// its analysts' audit projection and its dead-letter counts start at the topics' ends (the groups a test is not about).
import type { Kafka } from 'kafkajs';
import { deadLetterTopic, topics } from '../../libs/contracts/src';
import { startGroupAtEnd } from './topic-reader';

/** The topics governance's AuditProjector reads (apps/governance/src/audit/audit-projector.ts). */
const AUDIT_INPUTS = [topics.auditSubmissions, topics.accessDecisions, topics.recordsDisclosed, topics.keys, topics.governanceAlerts, topics.governanceCases];

export async function startGovernanceSideGroupsAtEnd(kafka: Kafka, groupId: string): Promise<void> {
  await Promise.all([
    startGroupAtEnd(
      kafka,
      `${groupId}-audit`,
      AUDIT_INPUTS.map(({ name }) => name),
    ),
    startGroupAtEnd(kafka, `${groupId}-dead-letters`, [deadLetterTopic.name]),
  ]);
}
