// Waits until a consumer group has read every partition of some topics up to where they ended when asked:
// the privacy state (tokens, roles, records) must be in place before decisions are judged against it.
import type { Kafka } from 'kafkajs';
import type { TopicSpec } from '@medshare/contracts';

/** Resolves true once caught up, false when the deadline passed first. */
export async function waitUntilCaughtUp(
  kafka: Kafka,
  groupId: string,
  specs: readonly TopicSpec[],
  { timeoutMs, intervalMs = 200 }: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const targets = new Map<string, { low: bigint; high: bigint }>();
    for (const spec of specs)
      for (const { partition, high, low } of await admin.fetchTopicOffsets(spec.name))
        targets.set(`${spec.name}:${partition}`, { low: BigInt(low), high: BigInt(high) });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const committed = await admin.fetchOffsets({ groupId, topics: specs.map((spec) => spec.name) });
      const done = committed.every(({ topic, partitions }) =>
        partitions.every(({ partition, offset }) => {
          const target = targets.get(`${topic}:${partition}`);
          // An empty partition (nothing between low and high) has nothing to read and may never see a commit.
          return target === undefined || target.high === target.low || BigInt(offset) >= target.high;
        }),
      );
      if (done) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    await admin.disconnect();
  }
}
