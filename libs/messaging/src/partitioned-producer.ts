// The one idempotent kafkajs producer behind EventPublisher, used so that no acknowledged message is lost
// when a partition leader moves (see libs/messaging/README.md, "Sends and leader changes"):
// - every send() carries one partition's messages (PartitionRouting), and partitions send concurrently;
// - one send per partition at a time, queued sends of a partition coalesce into the next one: the
//   idempotent producer's sequence numbers stay in order, and keys keep their order across publish() calls;
// - after a failed send the producer is replaced (new producer id): kafkajs rolls the partition's sequence
//   back, and a failed batch that was written after all would make the broker take the next batch of the
//   same size for a duplicate and drop it.
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { avoidBrokersThatTimeOut } from './kafka';
import { PartitionRouting } from './partition-routing';
import { MAX_SEND_BYTES, bySize, sizeOf } from './send-size';

/** Broker-side wait for all in-sync replicas: below the client's 10 s request timeout (kafka.ts). */
export const ACK_TIMEOUT_MS = 8_000;
/** How long disconnect() lets queued sends finish before it closes the producer under them. */
const DRAIN_ON_DISCONNECT_MS = 10_000;

interface Waiting {
  messages: Message[];
  bytes: number;
  settle(error?: unknown): void;
}

interface PartitionQueue {
  waiting: Waiting[];
  draining?: Promise<void>;
}

/** One kafkajs producer; retired after a failed send, disconnected once its last send settled. */
interface Generation {
  producer: Producer;
  connected: Promise<void>;
  inFlight: number;
  retired: boolean;
  closed: boolean;
}

export class PartitionedProducer {
  private readonly admin;
  private readonly routing;
  private readonly queues = new Map<string, PartitionQueue>();
  private current?: Generation;
  private adminConnected?: Promise<void>;
  private stopped = false;

  constructor(private readonly kafka: Kafka) {
    this.admin = kafka.admin();
    avoidBrokersThatTimeOut(kafka, this.admin);
    this.routing = new PartitionRouting(this.admin);
  }

  async connect(): Promise<void> {
    this.stopped = false;
    await this.connectAdmin();
    await this.acquire().connected;
  }

  /** Resolves once every message is acknowledged by all in-sync replicas; rejects if any partition's send failed. */
  async send(topic: string, messages: readonly Message[]): Promise<void> {
    // A late publish must not open a producer nobody will close.
    if (this.stopped) throw new Error('the publisher is disconnected');
    await this.connectAdmin();
    const routed = await this.routing.route(topic, messages);
    const sends = [...routed].map(([partition, list]) => this.enqueue(topic, partition, list));
    // allSettled first: a caller must never see an answer while part of its messages is still queued.
    const outcomes = await Promise.allSettled(sends);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    const draining = [...this.queues.values()].flatMap((queue) => (queue.draining ? [queue.draining] : []));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(draining), new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_ON_DISCONNECT_MS)))]);
    clearTimeout(timer);
    const generation = this.current;
    this.current = undefined;
    this.adminConnected = undefined;
    await Promise.allSettled([generation?.producer.disconnect(), this.admin.disconnect()]);
  }

  private connectAdmin(): Promise<void> {
    this.adminConnected ??= this.admin.connect().catch((error: unknown) => {
      this.adminConnected = undefined;
      throw error;
    });
    return this.adminConnected;
  }

  private acquire(): Generation {
    if (this.current) return this.current;
    const producer = this.kafka.producer({
      idempotent: true,
      allowAutoTopicCreation: false,
      // Every message carries its partition already; naming the partitioner also silences kafkajs' v2 warning.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Never give a send up while Kafka may still take it; callers that answer someone bound their wait
      // (EventPublisher's deadlineMs). Backoff capped at 2 s: a broker back after an outage is used at once.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    avoidBrokersThatTimeOut(this.kafka, producer);
    const generation: Generation = { producer, connected: Promise.resolve(), inFlight: 0, retired: false, closed: false };
    generation.connected = producer.connect().catch((error: unknown) => {
      this.retire(generation);
      throw error;
    });
    this.current = generation;
    return generation;
  }

  private retire(generation: Generation): void {
    generation.retired = true;
    if (this.current === generation) this.current = undefined;
    closeIfIdle(generation);
  }

  private enqueue(topic: string, partition: number, messages: Message[]): Promise<void> {
    const key = `${topic}\u0000${partition}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { waiting: [] };
      this.queues.set(key, queue);
    }
    const bytes = messages.reduce((sum, message) => sum + sizeOf(message), 0);
    const sent = new Promise<void>((resolve, reject) => {
      queue.waiting.push({ messages, bytes, settle: (error) => (error === undefined ? resolve() : reject(error)) });
    });
    if (!queue.draining) {
      const owned = queue;
      owned.draining = this.drain(topic, partition, owned).finally(() => {
        owned.draining = undefined;
        if (owned.waiting.length === 0) this.queues.delete(key);
      });
    }
    return sent;
  }

  private async drain(topic: string, partition: number, queue: PartitionQueue): Promise<void> {
    while (queue.waiting.length > 0) {
      const batch = takeBatch(queue.waiting);
      const generation = this.acquire();
      generation.inFlight += 1;
      try {
        await generation.connected;
        const messages = batch.flatMap((waiting) => waiting.messages.map((message) => ({ ...message, partition })));
        // A caller's own publish may outgrow one request: it goes as consecutive sends, in order.
        for (const run of bySize(messages)) await generation.producer.send({ topic, acks: -1, timeout: ACK_TIMEOUT_MS, messages: run });
        for (const waiting of batch) waiting.settle();
      } catch (error) {
        this.retire(generation);
        for (const waiting of batch) waiting.settle(error);
      } finally {
        generation.inFlight -= 1;
        closeIfIdle(generation);
      }
    }
  }
}

function closeIfIdle(generation: Generation): void {
  if (!generation.retired || generation.inFlight > 0 || generation.closed) return;
  generation.closed = true;
  void generation.producer.disconnect().catch(() => undefined);
}

function takeBatch(waiting: Waiting[]): Waiting[] {
  let bytes = waiting[0].bytes;
  let count = 1;
  while (count < waiting.length && bytes + waiting[count].bytes <= MAX_SEND_BYTES) {
    bytes += waiting[count].bytes;
    count += 1;
  }
  return waiting.splice(0, count);
}
