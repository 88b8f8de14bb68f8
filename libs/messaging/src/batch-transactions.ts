// Exactly-once consume → transform → produce for a BatchConsumer: a batch's output events, its dead letters and
// its offsets are one Kafka transaction, so a crash anywhere either commits all of it or none of it (the next
// owner of the partition redoes the batch), and read_committed consumers downstream never see aborted output.
//
// kafkajs does not send the consumer group's generation with its offsets (KIP-447), so fencing is by
// transactional id, one per input partition (`<prefix>-<topic>-<partition>`): whoever takes a partition over
// initialises that id, which aborts or finishes the previous owner's open transaction and makes its producer
// unusable. Only then are the group's committed offsets final, and messages below them are skipped.
import { Partitioners, type Admin, type Kafka, type KafkaMessage, type Message, type Producer, type Transaction } from 'kafkajs';
import { ACK_TIMEOUT_MS } from './partitioned-producer';
import { PartitionRouting } from './partition-routing';
import { bySize } from './send-size';

/** Another member committed part of this batch: consume again from `committed`. */
export class PartitionTakenOverError extends Error {
  constructor(readonly committed: string) {
    super(`the group's offset moved to ${committed} while the batch was handled`);
  }
}

export interface TransactionOutput {
  topic: string;
  messages: Message[];
}

interface PartitionProducer {
  producer: Producer;
  /** The group's committed offset, read after this producer fenced every earlier one; moved on by its commits. */
  committed: bigint;
}

/** An open transaction outlives a frozen (SIGSTOPped) owner by at most this long; read_committed readers wait on it. */
const TRANSACTION_TIMEOUT_MS = 30_000;

const CONCURRENT_TRANSACTIONS = 'CONCURRENT_TRANSACTIONS';
const OFFSETS_ATTEMPTS = 20;

/**
 * The coordinator answers CONCURRENT_TRANSACTIONS while it still writes the markers of the producer's previous
 * transaction (our commit returned before they are written). kafkajs retries that on sends, not on offsets: a batch
 * with no output, right after another, failed and re-fenced its producer. Retried here, in the same transaction.
 */
async function sendOffsetsOnceReady(transaction: Transaction, offsets: Parameters<Transaction['sendOffsets']>[0]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction.sendOffsets(offsets);
    } catch (error) {
      if ((error as { type?: string }).type !== CONCURRENT_TRANSACTIONS || attempt >= OFFSETS_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

export class BatchTransactions {
  private readonly producers = new Map<string, Promise<PartitionProducer>>();
  private readonly routing: PartitionRouting;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly transactionalIdPrefix: string,
  ) {
    this.routing = new PartitionRouting(admin);
  }

  /** The batch's messages that no committed transaction has consumed yet. */
  async unprocessed(topic: string, partition: number, messages: KafkaMessage[]): Promise<KafkaMessage[]> {
    const { committed } = await this.fenced(topic, partition);
    return messages.filter((message) => BigInt(message.offset) >= committed);
  }

  /** Sends the outputs and commits `nextOffset` for the input partition, all in one transaction. */
  async commit(topic: string, partition: number, firstOffset: string, nextOffset: string, outputs: readonly TransactionOutput[]): Promise<void> {
    const key = `${topic}-${partition}`;
    const { producer, committed } = await this.fenced(topic, partition);
    // Already committed: a commit whose answer was lost, seen by the fresh producer of the retry.
    if (committed >= BigInt(nextOffset)) return;
    if (committed > BigInt(firstOffset)) throw new PartitionTakenOverError(committed.toString());
    const transaction = await producer.transaction();
    try {
      for (const { topic: outputTopic, messages } of outputs) {
        // One send per partition: kafkajs loses messages of partitions whose leader moved within one send.
        // Sends of at most MAX_SEND_BYTES: a replay's batch can outgrow what the broker takes in one request.
        for (const [outputPartition, list] of await this.routing.route(outputTopic, messages)) {
          for (const run of bySize(list)) {
            await transaction.send({
              topic: outputTopic,
              acks: -1,
              timeout: ACK_TIMEOUT_MS,
              messages: run.map((message) => ({ ...message, partition: outputPartition })),
            });
          }
        }
      }
      await sendOffsetsOnceReady(transaction, { consumerGroupId: this.groupId, topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      // A fresh producer (new epoch) after any failure: kafkajs cannot tell a fenced producer from a slow one.
      await this.drop(key);
      throw error;
    }
    const current = await this.producers.get(key);
    if (current) current.committed = BigInt(nextOffset);
  }

  /** After a rebalance every partition is fenced again before its next batch. */
  async reset(): Promise<void> {
    const all = [...this.producers.keys()];
    await Promise.allSettled(all.map((key) => this.drop(key)));
  }

  async stop(): Promise<void> {
    await this.reset();
  }

  private fenced(topic: string, partition: number): Promise<PartitionProducer> {
    const key = `${topic}-${partition}`;
    let entry = this.producers.get(key);
    if (!entry) {
      entry = this.fence(topic, partition).catch((error: unknown) => {
        this.producers.delete(key);
        throw error;
      });
      this.producers.set(key, entry);
    }
    return entry;
  }

  private async fence(topic: string, partition: number): Promise<PartitionProducer> {
    const producer = this.kafka.producer({
      transactionalId: `${this.transactionalIdPrefix}-${topic}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: TRANSACTION_TIMEOUT_MS,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    try {
      await producer.connect();
      // Opening a transaction initialises the transactional id (fencing the previous owner); nothing is added,
      // so the abort stays local.
      await (await producer.transaction()).abort();
      const [offsets] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
      const offset = BigInt(offsets.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1');
      return { producer, committed: offset < 0n ? 0n : offset };
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private async drop(key: string): Promise<void> {
    const entry = this.producers.get(key);
    this.producers.delete(key);
    const settled = await entry?.catch(() => undefined);
    await settled?.producer.disconnect().catch(() => undefined);
  }
}
