// Creates the registry's topics and waits until the broker can serve consumer groups.
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

/**
 * Right after a broker starts, group coordination answers "coordinator is loading" for a while;
 * joining a throwaway group proves consumers can work.
 */
export async function waitForGroupCoordinator(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<void> {
  const consumer = kafka.consumer({ groupId: `medshare-readiness-${process.pid}-${Date.now()}`, sessionTimeout: 10_000 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no consumer group could join within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ eachBatch: async () => undefined });
    await Promise.race([joined, deadline]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
