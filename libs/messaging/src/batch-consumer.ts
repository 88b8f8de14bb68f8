// Consumes topics in batches: parse and validate every message, dead-letter the bad ones with their
// reason, hand the rest to the handler, and commit offsets only after the handler succeeded.
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { deadLetterTopic, parseEvent, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import type { EventPublisher } from './event-publisher';
import type { KafkaLog } from './kafka';
import { messagingMetrics } from './metrics';

export interface ConsumedEvent {
  event: MedshareEvent;
  topic: string;
  partition: number;
  offset: string;
}

export interface BatchContext {
  /** This event is poison (e.g. undecryptable): dead-letter it with the reason and go on. */
  reject(consumed: ConsumedEvent, reason: string): void;
  /** Keeps the group membership alive during long work. */
  heartbeat(): Promise<void>;
}

export type BatchHandler = (events: ConsumedEvent[], context: BatchContext) => Promise<void>;

export interface BatchConsumerOptions {
  groupId: string;
  topics: readonly TopicSpec[];
  handle: BatchHandler;
  fromBeginning?: boolean;
  /** Attempts of one batch before the consumer gives it back to kafkajs to restart (and retry from the last commit). */
  maxAttempts?: number;
  maxBytesPerPartition?: number;
  maxBytes?: number;
  log?: KafkaLog;
}

interface DeadLetter {
  message: KafkaMessage;
  topic: string;
  partition: number;
  reason: string;
}

export class BatchConsumer {
  private readonly consumer: Consumer;
  private running = false;

  constructor(kafka: Kafka, private readonly dlqPublisher: EventPublisher, private readonly options: BatchConsumerOptions) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: options.maxBytes ?? 24 * 1024 * 1024,
      allowAutoTopicCreation: false,
      // After a broker restart kafkajs rejoins with a new member id and the group waits for the old
      // member's session to expire: 10 s instead of kafkajs' 30 s default keeps that stall short.
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
    });
    // A crash kafkajs will not restart from leaves the consumer dead: readiness must say so.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.running = false;
      options.log?.error({ groupId: options.groupId, error: payload.error.message, restart: payload.restart }, 'consumer crashed');
    });
  }

  /** Resolves once the consumer joined its group, so a caller can publish knowing it will be seen. */
  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics.map((topic) => topic.name), fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    this.running = true;
    await joined;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Finishes the batch in flight (kafkajs waits for it), then leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const { groupId, log } = this.options;
    const started = process.hrtime.bigint();
    const valid: ConsumedEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of batch.messages) {
      const parsed = parseEvent(message.value, batch.topic);
      if (parsed.ok) valid.push({ event: parsed.event, topic: batch.topic, partition: batch.partition, offset: message.offset });
      else deadLetters.push({ message, topic: batch.topic, partition: batch.partition, reason: parsed.reason });
    }

    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; valid.length > 0; attempt += 1) {
      const rejected: DeadLetter[] = [];
      try {
        await this.options.handle(valid, {
          reject: (consumed, reason) => rejected.push({ message: messageAt(batch.messages, consumed.offset), topic: consumed.topic, partition: consumed.partition, reason }),
          heartbeat,
        });
        deadLetters.push(...rejected);
        break;
      } catch (error) {
        messagingMetrics.handlerRetries.inc({ group: groupId });
        log?.warn({ groupId, topic: batch.topic, partition: batch.partition, attempt, error: errorMessage(error) }, 'batch handler failed');
        if (attempt >= maxAttempts || !isRunning() || isStale()) throw error;
        await heartbeat();
        await sleep(Math.min(200 * 2 ** attempt, 5000));
      }
    }

    if (deadLetters.length > 0) {
      await this.dlqPublisher.publishRaw(deadLetterTopic, deadLetters.map((dead) => toDeadLetterMessage(groupId, dead)));
      messagingMetrics.deadLettered.inc({ group: groupId, topic: batch.topic }, deadLetters.length);
      log?.warn({ groupId, topic: batch.topic, partition: batch.partition, count: deadLetters.length, reasons: deadLetters.slice(0, 3).map((dead) => dead.reason) }, 'messages dead-lettered');
    }

    // Resolving moves kafkajs' fetch position; committing makes it survive a restart or rebalance.
    resolveOffset(batch.lastOffset());
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    messagingMetrics.consumed.inc({ group: groupId, topic: batch.topic }, valid.length);
    messagingMetrics.lag.set({ group: groupId, topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    messagingMetrics.batchSeconds.observe({ group: groupId }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

function messageAt(messages: KafkaMessage[], offset: string): KafkaMessage {
  const message = messages.find((candidate) => candidate.offset === offset);
  if (!message) throw new Error(`offset ${offset} is not in this batch`);
  return message;
}

/** The original key, value and headers, plus where it came from and why it was refused. */
function toDeadLetterMessage(groupId: string, { message, topic, partition, reason }: DeadLetter) {
  const headers: IHeaders = {
    ...(message.headers ?? {}),
    'dlq.reason': reason,
    'dlq.topic': topic,
    'dlq.partition': String(partition),
    'dlq.offset': message.offset,
    'dlq.group': groupId,
    'dlq.time': new Date().toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
