// Chooses each message's partition before kafkajs sees it, with kafkajs' own default partitioner (murmur2 of
// the key, round robin without one), so every send() can carry the messages of one partition only: kafkajs
// 2.2.4 silently drops the messages of partitions whose leader moved within a multi-partition send().
import { Partitioners, type Admin, type Message, type PartitionMetadata } from 'kafkajs';

/** Partition counts change only when an operator adds partitions; a minute of staleness is harmless. */
const METADATA_TTL_MS = 60_000;

export class PartitionRouting {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly metadata = new Map<string, { partitions: PartitionMetadata[]; fetchedAt: number }>();

  constructor(private readonly admin: Admin) {}

  /** The messages grouped by partition, in their original order within each partition. */
  async route(topic: string, messages: readonly Message[]): Promise<Map<number, Message[]>> {
    const partitionMetadata = await this.partitionsOf(topic);
    const routed = new Map<number, Message[]>();
    for (const message of messages) {
      const partition = this.partitioner({ topic, partitionMetadata, message });
      const list = routed.get(partition);
      if (list) list.push(message);
      else routed.set(partition, [message]);
    }
    return routed;
  }

  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.metadata.get(topic);
    if (cached && Date.now() - cached.fetchedAt < METADATA_TTL_MS) return cached.partitions;
    try {
      const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = [...topics[0].partitions].sort((a, b) => a.partitionId - b.partitionId);
      this.metadata.set(topic, { partitions, fetchedAt: Date.now() });
      return partitions;
    } catch (error) {
      // A stale count routes keys as before; only a topic never seen needs the broker.
      if (cached) return cached.partitions;
      throw error;
    }
  }
}
