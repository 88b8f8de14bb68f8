// Where a process's Kafka consumers live: each one is built here, started (joined to its group), watched for
// readiness and stopped with the others after its batch in flight. Parsing, dead-lettering with the reason,
// poison messages (`context.reject`), retries, lag and progress metrics are BatchConsumer's, the same for all.
import type { Kafka } from 'kafkajs';
import type { EventType } from '@medshare/contracts';
import { BatchConsumer, type BatchConsumerOptions } from './batch-consumer';
import type { EventPublisher } from './event-publisher';
import type { KafkaLog } from './kafka';
import { serveRequests, type ServeRequestsOptions } from './request-reply';

export class ConsumerHost {
  private readonly consumers = new Map<string, BatchConsumer>();
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly log?: KafkaLog,
    /** Applied to every consumer hosted here (KAFKA_SESSION_TIMEOUT_MS). */
    private readonly sessionTimeoutMs?: number,
  ) {}

  /** Builds and starts the consumer `name`; resolves once it joined its group. */
  consume(name: string, options: Omit<BatchConsumerOptions, 'log'>): Promise<BatchConsumer> {
    return this.host(name, new BatchConsumer(this.kafka, this.publisher, { sessionTimeoutMs: this.sessionTimeoutMs, ...options, log: this.log }));
  }

  /** Serves requests of one type under `name`: each request gets exactly one reply (see serveRequests). */
  serve<TRequest extends EventType, TReply extends EventType>(
    name: string,
    options: Omit<ServeRequestsOptions<TRequest, TReply>, 'log'>,
  ): Promise<BatchConsumer> {
    return this.host(name, serveRequests(this.kafka, this.publisher, { sessionTimeoutMs: this.sessionTimeoutMs, ...options, log: this.log }));
  }

  /** Throws naming every consumer that stopped for good (a crash kafkajs will not restart from): readiness. */
  check(): void {
    const stopped = [...this.consumers].filter(([, consumer]) => !consumer.isRunning).map(([name]) => name);
    if (stopped.length > 0) throw new Error(`consumers not running: ${stopped.join(', ')}`);
  }

  /** Each consumer finishes its batch in flight and leaves its group; consumers added later are refused. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumers = [...this.consumers.values()];
    this.consumers.clear();
    await Promise.all(consumers.map((consumer) => consumer.stop()));
  }

  private async host(name: string, consumer: BatchConsumer): Promise<BatchConsumer> {
    if (this.stopping) throw new Error(`consumer ${name} not started: the host is stopping`);
    if (this.consumers.has(name)) throw new Error(`consumer ${name} is already hosted`);
    // Kept before it starts, so a stop during a slow join still disconnects it.
    this.consumers.set(name, consumer);
    await consumer.start();
    return consumer;
  }
}
