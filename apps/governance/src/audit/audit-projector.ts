// Writes the analysts' audit topics from the operational ones (audit-facts.ts), exactly once: a batch's audit events,
// their per-institution copies and the input offsets are one Kafka transaction (`<KAFKA_GROUP_ID>-audit`). A fresh
// group reads from the beginning, so the audit topics hold the whole history. Institution topics are created on
// their first event (governance holds CREATE on the medshare.audit.institution. prefix, nothing else).
import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { institutionAuditTopic, topics, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { ConsumerHost, type BatchContext, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, SERVICE_CONFIG } from '@medshare/service-kit';
import type { CaseLimits } from '../cases/case-rules';
import { caseLimitsOf, type GovernanceConfig } from '../config';
import { auditFactsOf } from './audit-facts';

@Injectable()
export class AuditProjector {
  private readonly limits: CaseLimits;
  /** Institution topics known to exist: checked once per process. */
  private readonly existing = new Set<string>();

  constructor(
    private readonly consumers: ConsumerHost,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
  ) {
    this.limits = caseLimitsOf(config);
  }

  async start(): Promise<void> {
    await this.consumers.consume('audit-projector', {
      groupId: `${this.config.KAFKA_GROUP_ID}-audit`,
      transactionalId: `${this.config.KAFKA_GROUP_ID}-audit`,
      topics: [topics.auditSubmissions, topics.accessDecisions, topics.recordsDisclosed, topics.keys, topics.governanceAlerts, topics.governanceCases],
      fromBeginning: true,
      handle: (events, context) => this.handle(events, context),
    });
  }

  async handle(events: readonly ConsumedEvent[], context: BatchContext): Promise<void> {
    const outputs = new Map<string, { spec: TopicSpec; events: MedshareEvent[] }>();
    const add = (spec: TopicSpec, event: MedshareEvent) => {
      const output = outputs.get(spec.name) ?? { spec, events: [] };
      output.events.push(event);
      outputs.set(spec.name, output);
    };
    const institutionTopics: TopicSpec[] = [];
    for (const fact of events.flatMap(({ event }) => auditFactsOf(event, this.limits))) {
      if (fact.publishTo) add(fact.publishTo, fact.event);
      for (const institution of fact.institutions) {
        const spec = institutionAuditTopic(institution);
        institutionTopics.push(spec);
        add(spec, fact.event);
      }
    }
    await this.ensureExist(institutionTopics);
    for (const { spec, events: out } of outputs.values()) context.emit(spec, out);
  }

  private async ensureExist(specs: readonly TopicSpec[]): Promise<void> {
    const missing = [...new Map(specs.filter((spec) => !this.existing.has(spec.name)).map((spec) => [spec.name, spec])).values()];
    if (missing.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // Already there (another instance, an earlier run) is fine: kafkajs then resolves false. Replication as the
      // cluster's default.replication.factor: one node in development, three in production.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          configEntries: [{ name: 'retention.ms', value: String(spec.retentionMs) }],
        })),
      });
      for (const spec of missing) this.existing.add(spec.name);
    } finally {
      await admin.disconnect();
    }
  }
}
