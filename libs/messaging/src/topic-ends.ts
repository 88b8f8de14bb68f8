// The current ends (next offsets), or starts, of several topics' partitions in one ListOffsets request per leader broker.
// kafkajs' admin.fetchTopicOffsets asks per topic and twice (high, then low), one after the other: a read that needs
// three topics' ends paid two round trips where one does. kafkajs' Cluster sends one request per broker for any
// number of topics but is not public: it is created through the Kafka client's own factory (same brokers, TLS,
// SASL and socket factory as every other client of that Kafka instance).
import type { Kafka } from 'kafkajs';

interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

type ClusterFactory = (options: { allowAutoTopicCreation: boolean }) => KafkajsCluster;

/** kafkajs 2.2.4 keeps its cluster factory under this symbol (src/index.js); checked at construction. */
const CREATE_CLUSTER = 'private:Kafka:createCluster';

export class TopicEnds {
  private readonly cluster: KafkajsCluster;
  private readonly topics: string[];

  constructor(kafka: Kafka, topics: readonly string[]) {
    const symbol = Object.getOwnPropertySymbols(kafka).find((candidate) => candidate.description === CREATE_CLUSTER);
    const factory = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, ClusterFactory>)[symbol];
    if (typeof factory !== 'function') throw new Error('TopicEnds needs kafkajs 2.2.4 (its cluster factory was not found)');
    this.cluster = factory.call(kafka, { allowAutoTopicCreation: false });
    this.topics = [...topics];
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
    await this.cluster.addMultipleTargetTopics(this.topics);
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }

  /** `topic/partition` → the offset the next message will get; one ListOffsets per leader, all sent at once. */
  current(): Promise<Map<string, bigint>> {
    return this.offsets(false);
  }

  /** `topic/partition` → the first offset the log still holds (0 until retention or a deletion moved it). */
  starts(): Promise<Map<string, bigint>> {
    return this.offsets(true);
  }

  private async offsets(fromBeginning: boolean): Promise<Map<string, bigint>> {
    try {
      return await this.ask(fromBeginning);
    } catch {
      // A leader moved since the metadata was read: once more with fresh metadata (kafkajs' admin does the same).
      await this.cluster.refreshMetadata();
      return this.ask(fromBeginning);
    }
  }

  private async ask(fromBeginning: boolean): Promise<Map<string, bigint>> {
    await this.cluster.refreshMetadataIfNecessary();
    const offsets = await this.cluster.fetchTopicsOffset(
      this.topics.map((topic) => ({
        topic,
        fromBeginning,
        partitions: this.cluster.findTopicPartitionMetadata(topic).map(({ partitionId }) => ({ partition: partitionId })),
      })),
    );
    const found = new Map<string, bigint>();
    for (const { topic, partitions } of offsets) for (const { partition, offset } of partitions) found.set(`${topic}/${partition}`, BigInt(offset));
    return found;
  }
}
