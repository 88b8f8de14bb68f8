// Request/reply over Kafka for the few calls that need an answer (access control asks encryption to
// decrypt a permitted read). Replies carry the request's id as causationid; each asking instance
// reads the reply topic in a group of its own and settles only the requests it has pending.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { envelope, type EventData, type EventOf, type EventType, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { BatchConsumer, type ConsumedEvent } from './batch-consumer';
import type { EventPublisher } from './event-publisher';
import type { KafkaLog } from './kafka';
import { withCorrelationOf } from './log-context';
import { messagingMetrics } from './metrics';
import { inEventContext } from './tracing';

export class RequestTimeoutError extends Error {}

interface Pending {
  /** Only a reply from this CloudEvents source settles the request (another deployment on the bus may answer too). */
  from?: string;
  resolve(event: MedshareEvent): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RequestReplyClient {
  private readonly pending = new Map<string, Pending>();
  /** Settles with each pending request, however it ends: what a stop waits for. */
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private readonly replies: BatchConsumer;

  constructor(
    kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly topics: { requests: TopicSpec; replies: TopicSpec },
    options: { service: string; log?: KafkaLog },
  ) {
    this.replies = new BatchConsumer(kafka, publisher, {
      groupId: `${options.service}-replies-${randomUUID()}`,
      topics: [topics.replies],
      fromBeginning: false,
      // The next reply must not wait behind this batch's commit; a reply delivered again settles nothing.
      commitInBackground: true,
      handle: async (events) => this.settle(events),
      log: options.log,
    });
  }

  async start(): Promise<void> {
    await this.replies.start();
  }

  /**
   * Waits for every request in flight to be answered or to time out, then stops reading replies: a stop never
   * fails a request it could still complete. Requests made after the stop began are refused at once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.inFlight);
    await this.replies.stop();
  }

  async request<TRequest extends EventType>(request: EventOf<TRequest>, timeoutMs: number, options: { from?: string } = {}): Promise<MedshareEvent> {
    if (this.stopping) throw new Error('request/reply client is stopping');
    const reply = new Promise<MedshareEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.id);
        reject(new RequestTimeoutError(`no reply to ${request.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(request.id, { resolve, reject, timer, ...(options.from !== undefined && { from: options.from }) });
    });
    const started = process.hrtime.bigint();
    const observe = (outcome: 'reply' | 'timeout' | 'failed') =>
      messagingMetrics.roundTrip.observe({ topic: this.topics.requests.name, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    const settled = reply.then(
      () => observe('reply'),
      (error: unknown) => observe(error instanceof RequestTimeoutError ? 'timeout' : 'failed'),
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    try {
      await this.publisher.publish(this.topics.requests, [request]);
    } catch (error) {
      const pending = this.pending.get(request.id);
      if (pending) {
        clearTimeout(pending.timer);
        this.pending.delete(request.id);
        // Settles `reply` (handled by `settled`), so a stop does not wait for a request that was never sent.
        pending.reject(error instanceof Error ? error : new Error(String(error)));
      }
      throw error;
    }
    return reply;
  }

  private settle(events: ConsumedEvent[]): void {
    for (const { event } of events) {
      const pending = this.pending.get(event.causationid);
      if (!pending || (pending.from !== undefined && event.source !== pending.from)) continue;
      clearTimeout(pending.timer);
      this.pending.delete(event.causationid);
      pending.resolve(event);
    }
  }
}

export type RequestHandler<TRequest extends EventType, TReply extends EventType> = (request: EventOf<TRequest>) => Promise<EventData<TReply>>;

export interface ServeRequestsOptions<TRequest extends EventType, TReply extends EventType> {
  groupId: string;
  source: string;
  requests: TopicSpec;
  replies: TopicSpec;
  requestType: TRequest;
  replyType: TReply;
  handle: RequestHandler<TRequest, TReply>;
  sessionTimeoutMs?: number;
  log?: KafkaLog;
}

/** Serves requests of one type: each request gets exactly one reply event, caused by it. */
export function serveRequests<TRequest extends EventType, TReply extends EventType>(
  kafka: Kafka,
  publisher: EventPublisher,
  options: ServeRequestsOptions<TRequest, TReply>,
): BatchConsumer {
  return new BatchConsumer(kafka, publisher, {
    groupId: options.groupId,
    topics: [options.requests],
    // A request nobody answered before this server started has long timed out on its caller's side.
    fromBeginning: false,
    // The next request must not wait behind this batch's commit; one delivered again is answered again (same reply).
    commitInBackground: true,
    sessionTimeoutMs: options.sessionTimeoutMs,
    log: options.log,
    handle: async (events) => {
      const replies: MedshareEvent[] = [];
      for (const { event } of events) {
        if (event.type !== options.requestType) continue;
        // Each request in its own trace and correlation id, even when a batch brought several.
        const data = await inEventContext(event.id, () => withCorrelationOf([{ event }], () => options.handle(event as unknown as EventOf<TRequest>)));
        replies.push(envelope(options.replyType, options.source, data, { subject: event.subject, cause: event }));
      }
      await publisher.publish(options.replies, replies);
    },
  });
}
