// Creates the registry's topics.
import type { Kafka } from 'kafkajs';
import type { TopicSpec } from '@medshare/contracts';

/**
 * Without a replication factor the brokers' `default.replication.factor` applies: 3 on infra/kafka's three nodes (with
 * min.insync.replicas 2), 1 on a single node.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[], replicationFactor?: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          ...(replicationFactor === undefined ? {} : { replicationFactor }),
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            // Large sealed bundles: allow messages up to 8 MiB.
            { name: 'max.message.bytes', value: String(8 * 1024 * 1024) },
          ],
        })),
      });
    }
    return missing.map((spec) => spec.name);
  } finally {
    await admin.disconnect();
  }
}
