// Consumes topics in batches: parse and validate every message, dead-letter the bad ones with their
// reason, hand the rest to the handler, and commit offsets only after the handler succeeded (with its
// emitted events in the same Kafka transaction when the consumer is transactional).
import { context } from '@opentelemetry/api';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { deadLetterTopic, parseEvent, type EventOn, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { BatchTransactions, PartitionTakenOverError, type TransactionOutput } from './batch-transactions';
import { ConsumerLag } from './consumer-lag';
import { deadLetterMessage, type DeadLetter } from './dead-letter';
import { sendTraced, type EventPublisher } from './event-publisher';
import type { KafkaLog } from './kafka';
import { withCorrelationOf } from './log-context';
import { messagingMetrics } from './metrics';
import { messageTracingOn, startConsumeSpans } from './tracing';

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
  /**
   * Publishes these events once the handler succeeded, before the batch's offsets are committed. In a
   * transactional consumer they are part of the offsets' transaction: written exactly once, whatever crashes.
   */
  /** Only the event types the topic carries: the wrong topic does not compile, as with EventPublisher.publish. */
  emit<TTopic extends TopicSpec>(topic: TTopic, events: readonly EventOn<TTopic>[]): void;
}

export type BatchHandler = (events: ConsumedEvent[], context: BatchContext) => Promise<void>;

/** A message read as it is, unparsed: where it is and its headers (as text). */
export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  headers: Record<string, string>;
}

/**
 * For a topic that carries no registry events (the dead-letter topic): every message reaches the handler
 * unparsed, nothing is dead-lettered, and its values are not handed over (a reader of headers never sees payloads).
 */
export interface RawBatchHandler {
  raw: (messages: RawMessage[], context: Pick<BatchContext, 'heartbeat'>) => Promise<void>;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: readonly TopicSpec[];
  handle: BatchHandler | RawBatchHandler;
  fromBeginning?: boolean;
  /** Attempts of one batch before the consumer gives it back to kafkajs to restart (and retry from the last commit). */
  maxAttempts?: number;
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /**
   * Makes emit → commit exactly-once: each batch's emitted events, dead letters and offsets go in one Kafka
   * transaction under the transactional id `<transactionalId>-<topic>-<partition>` (the same on every instance).
   */
  transactionalId?: string;
  /** How long the group waits for a silent member before giving its partitions away (10 s; broker minimum 6 s). */
  sessionTimeoutMs?: number;
  /**
   * How long one batch may keep its partitions (60 s, kafkajs' rebalance timeout): the member heartbeats while its
   * handler runs, up to this long; a batch still running then is taken for stuck, its session runs out and the group
   * gives its partitions to another member.
   */
  maxBatchMs?: number;
  /** How often the consumer-lag gauge is refreshed from the committed offsets and high watermarks (15 s). */
  lagRefreshMs?: number;
  /**
   * Commit each batch's offsets without waiting for the commit before the next fetch (one commit in flight, later
   * offsets coalesced; stop() still waits for the last one). For request/reply, where a request redelivered after a
   * crash is answered again and a request must not wait behind the commit of the one before it.
   */
  commitInBackground?: boolean;
  /**
   * Called with the next offset to read once a partition batch is done, including batches of only transaction
   * markers or aborted messages that never reach the handler: how a reader knows it reached a partition's end.
   */
  onProgress?: (topic: string, partition: number, next: bigint) => void;
  log?: KafkaLog;
}

export class BatchConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly lag: ConsumerLag;
  private readonly transactions?: BatchTransactions;
  private running = false;
  private stopped = false;
  /** commitInBackground: the newest offset per partition not yet sent, and the commit in flight. */
  private readonly uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();
  private committing?: Promise<void>;
  private readonly heartbeatIntervalMs: number;

  constructor(
    kafka: Kafka,
    private readonly dlqPublisher: EventPublisher,
    private readonly options: BatchConsumerOptions,
  ) {
    this.heartbeatIntervalMs = Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 10_000) / 3));
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: options.maxBytes ?? 24 * 1024 * 1024,
      allowAutoTopicCreation: false,
      // Output of aborted transactions (a producer that crashed mid-batch) must never be read.
      readUncommitted: false,
      // After a broker restart, or a killed instance's restart, kafkajs joins with a new member id and the group waits
      // for the old member's session to expire: 10 s instead of kafkajs' 30 s default keeps that stall short.
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      // An idle fetch waits this long for data; stop() waits for the fetch in flight before leaving the group, so
      // kafkajs' 5 s default held every SIGTERM (and every test tear-down) for up to 5 s per consumer.
      maxWaitTimeInMs: 500,
      // kafkajs disconnects a crashed consumer before it decides on the restart, so a stop() meanwhile could not clear
      // the restart: the consumer joined its group again after stop(), for good (a process or test that never ends).
      // kafkajs' own consumer default of 5 retries, as before.
      retry: { retries: 5, restartOnFailure: async () => !this.stopped },
    });
    // A crash kafkajs will not restart from leaves the consumer dead, and readiness must say so — except when the group
    // only forgot this member: kafkajs rejoins once by itself, and gives up when the rejoin is forgotten too (a busy
    // cold cluster, an event loop too busy to heartbeat). Joining again from scratch is all that is needed then.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      const rejoin = !payload.restart && this.running && isMembershipLoss(payload.error);
      if (!payload.restart && !rejoin) this.running = false;
      options.log?.error({ groupId: options.groupId, error: payload.error.message, restart: payload.restart || rejoin }, 'consumer crashed');
      if (rejoin) void this.rejoin();
    });
    this.admin = kafka.admin();
    this.lag = new ConsumerLag(this.admin, options.groupId, options.lagRefreshMs ?? 15_000);
    if (options.transactionalId) this.transactions = new BatchTransactions(kafka, this.admin, options.groupId, options.transactionalId);
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.lag.assign(payload.memberAssignment);
      // Partitions may have had another owner meanwhile: fence them again before their next batch.
      void this.transactions?.reset();
    });
  }

  /** Resolves once the consumer joined its group, so a caller can publish knowing it will be seen. */
  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    const { onProgress } = this.options;
    if (onProgress)
      this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => onProgress(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n));
    await this.admin.connect();
    this.lag.start();
    await this.run();
    this.running = true;
    await joined;
  }

  private async run(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics.map((topic) => topic.name), fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
  }

  /** kafkajs disconnected before reporting the crash: connect and join again, from the committed offsets. */
  private async rejoin(): Promise<void> {
    await sleep(1000);
    if (!this.running) return;
    try {
      await this.run();
      messagingMetrics.rejoins.inc({ group: this.options.groupId });
      if (!this.running) await this.consumer.disconnect(); // stopped while joining
    } catch (error) {
      this.running = false;
      this.options.log?.error({ groupId: this.options.groupId, error: errorMessage(error) }, 'consumer could not rejoin');
    }
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Finishes the batch in flight (kafkajs waits for it), then leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    await this.committing;
    await this.consumer.disconnect();
    await this.lag.stop();
    await this.transactions?.stop();
    await this.admin.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const started = process.hrtime.bigint();
    const { batch } = payload;
    const { topic, partition } = batch;
    const fresh = this.transactions ? await this.transactions.unprocessed(topic, partition, batch.messages) : batch.messages;
    const valid: ConsumedEvent[] = [];
    const invalid: DeadLetter[] = [];
    const validMessages: KafkaMessage[] = [];
    // A raw handler (the dead-letter topic) gets every message unparsed.
    for (const message of typeof this.options.handle === 'function' ? fresh : []) {
      const parsed = parseEvent(message.value, topic);
      if (parsed.ok) {
        valid.push({ event: parsed.event, topic, partition, offset: message.offset });
        validMessages.push(message);
      } else invalid.push({ message, topic, partition, reason: parsed.reason });
    }
    // The handler, and everything it publishes, runs in its events' trace and under their correlation id (logs).
    const handle = () =>
      withCorrelationOf(valid, () => this.whileHeartbeating(payload.heartbeat, () => this.handleBatch(payload, started, fresh, valid, invalid)));
    if (valid.length === 0 || !messageTracingOn()) return handle();
    const spans = startConsumeSpans(
      topic,
      partition,
      this.options.groupId,
      valid.map(({ event }, index) => ({ event, message: validMessages[index] })),
    );
    try {
      await context.with(spans.context, handle);
    } catch (error) {
      spans.end(error);
      throw error;
    }
    spans.end();
  }

  /**
   * kafkajs heartbeats only between batches (and from a broker's fetch loop that found nothing), so a batch longer
   * than the session lost the membership on a busy machine, and every member of the group joined again (chains of
   * rebalances when a second instance joined busy groups). The member heartbeats while the batch runs,
   * up to maxBatchMs; a heartbeat that finds a rebalance is left to kafkajs, which answers it after the batch.
   */
  private async whileHeartbeating(heartbeat: () => Promise<void>, run: () => Promise<void>): Promise<void> {
    const until = Date.now() + (this.options.maxBatchMs ?? 60_000);
    const timer = setInterval(() => {
      if (Date.now() < until) heartbeat().catch(() => undefined);
    }, this.heartbeatIntervalMs);
    try {
      await run();
    } finally {
      clearInterval(timer);
    }
  }

  private async handleBatch(
    { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload,
    started: bigint,
    fresh: KafkaMessage[],
    valid: ConsumedEvent[],
    invalid: DeadLetter[],
  ): Promise<void> {
    const { groupId, log } = this.options;
    const { topic, partition } = batch;
    const next = (BigInt(batch.lastOffset()) + 1n).toString();

    const maxAttempts = this.options.maxAttempts ?? 5;
    let outcome: BatchOutcome | undefined;
    for (let attempt = 1; outcome === undefined; attempt += 1) {
      try {
        outcome = await this.attempt({ topic, partition }, fresh, valid, invalid, heartbeat);
        if (this.transactions && fresh.length > 0) await this.commitTransaction(topic, partition, fresh[0].offset, next, outcome);
      } catch (error) {
        if (error instanceof PartitionTakenOverError) {
          // Another member committed part of this batch: read on from where it stopped.
          this.consumer.seek({ topic, partition, offset: error.committed });
          return;
        }
        outcome = undefined;
        messagingMetrics.handlerRetries.inc({ group: groupId });
        log?.warn({ groupId, topic, partition, attempt, error: errorMessage(error) }, 'batch handler failed');
        if (attempt >= maxAttempts || !isRunning() || isStale()) throw error;
        await heartbeat();
        await sleep(Math.min(200 * 2 ** attempt, 5000));
      }
    }

    if (!this.transactions) {
      for (const { topic: output, events } of outcome.emitted) await this.dlqPublisher.publish(output, events);
      if (outcome.deadLetters.length > 0)
        await this.dlqPublisher.publishRaw(
          deadLetterTopic,
          outcome.deadLetters.map((dead) => deadLetterMessage(groupId, dead)),
        );
    }
    if (outcome.deadLetters.length > 0) {
      messagingMetrics.deadLettered.inc({ group: groupId, topic }, outcome.deadLetters.length);
      log?.warn(
        { groupId, topic, partition, count: outcome.deadLetters.length, reasons: outcome.deadLetters.slice(0, 3).map((dead) => dead.reason) },
        'messages dead-lettered',
      );
    }

    // Resolving moves kafkajs' fetch position; committing makes it survive a restart or rebalance.
    resolveOffset(batch.lastOffset());
    // A batch that ends while the consumer stops is committed before kafkajs leaves the group.
    if (this.options.commitInBackground && this.running) this.commitLater(topic, partition, next);
    else if (!this.transactions) await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
    messagingMetrics.consumed.inc({ group: groupId, topic }, valid.length);
    this.lag.observe(topic, partition, Number(batch.offsetLag()));
    messagingMetrics.batchSeconds.observe({ group: groupId }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private commitLater(topic: string, partition: number, offset: string): void {
    this.uncommitted.set(`${topic}/${partition}`, { topic, partition, offset });
    this.committing ??= this.commitUncommitted().finally(() => (this.committing = undefined));
  }

  private async commitUncommitted(): Promise<void> {
    while (this.uncommitted.size > 0) {
      const offsets = [...this.uncommitted.values()];
      this.uncommitted.clear();
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (error) {
        // Not committed: after a restart or rebalance these batches are delivered again (and answered again).
        this.options.log?.warn({ groupId: this.options.groupId, error: errorMessage(error) }, 'background offset commit failed');
      }
    }
  }

  /**
   * The batch's emitted events, dead letters and offsets in one Kafka transaction. Each topic's events are sent under
   * their PRODUCER spans (sendTraced), nested one topic inside the next so that every span ends with the commit.
   */
  private commitTransaction(topic: string, partition: number, first: string, next: string, { emitted, deadLetters }: BatchOutcome): Promise<void> {
    const transactions = this.transactions as BatchTransactions;
    const outputs: TransactionOutput[] = [];
    if (deadLetters.length > 0)
      outputs.push({ topic: deadLetterTopic.name, messages: deadLetters.map((dead) => deadLetterMessage(this.options.groupId, dead)) });
    const withOutputsFrom = (index: number): Promise<void> => {
      if (index === emitted.length) return transactions.commit(topic, partition, first, next, outputs);
      const { topic: output, events } = emitted[index];
      return sendTraced(output, events, async (messages) => {
        outputs.push({ topic: output.name, messages });
        await withOutputsFrom(index + 1);
      });
    };
    return withOutputsFrom(0);
  }

  /** One run of the handler: what it emitted and what it refused (plus the unparseable messages). */
  private async attempt(
    from: { topic: string; partition: number },
    messages: KafkaMessage[],
    valid: ConsumedEvent[],
    invalid: DeadLetter[],
    heartbeat: () => Promise<void>,
  ): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { emitted: [], deadLetters: [...invalid] };
    const { handle } = this.options;
    if (typeof handle !== 'function') {
      if (messages.length > 0)
        await handle.raw(
          messages.map((message) => rawMessage(from, message)),
          { heartbeat },
        );
      return outcome;
    }
    if (valid.length === 0) return outcome;
    await handle(valid, {
      reject: (consumed, reason) =>
        outcome.deadLetters.push({ message: messageAt(messages, consumed.offset), topic: consumed.topic, partition: consumed.partition, reason }),
      heartbeat,
      emit: (topic, events) => {
        if (events.length > 0) outcome.emitted.push({ topic, events: [...events] });
      },
    });
    return outcome;
  }
}

interface BatchOutcome {
  emitted: { topic: TopicSpec; events: MedshareEvent[] }[];
  deadLetters: DeadLetter[];
}

const membershipErrors = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

/** The broker's error behind kafkajs' wrappers says the group forgot or moved past this member. */
export function isMembershipLoss(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth += 1) {
    const type = (cause as { type?: unknown }).type;
    if (typeof type === 'string' && membershipErrors.has(type)) return true;
  }
  return false;
}

function rawMessage({ topic, partition }: { topic: string; partition: number }, { offset, timestamp, headers }: KafkaMessage): RawMessage {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) text[name] = first.toString();
  }
  return { topic, partition, offset, timestamp, headers: text };
}

function messageAt(messages: KafkaMessage[], offset: string): KafkaMessage {
  const message = messages.find((candidate) => candidate.offset === offset);
  if (!message) throw new Error(`offset ${offset} is not in this batch`);
  return message;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
