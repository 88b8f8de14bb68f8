// Creates the registry's topics.
import type { Kafka } from 'kafkajs';
import type { TopicSpec } from '@medshare/contracts';

/** Replication factor 1 suits the single local broker; production clusters pass 3 (KAFKA_REPLICATION_FACTOR). */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[], replicationFactor = 1): Promise<string[]> {
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
          replicationFactor,
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
