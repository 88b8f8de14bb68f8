// Publishes medshare events: validated against their schema, keyed by the topic's rule, acked by all replicas.
import type { Kafka, Message } from 'kafkajs';
import { canonicalJson, checkEvent, type EventOn, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { messagingMetrics } from './metrics';
import { PartitionedProducer } from './partitioned-producer';
import { startPublishSpans, type PublishSpans } from './tracing';

export class InvalidEventError extends Error {}

/** The deadline passed before Kafka answered. The send goes on: the events may still be written (unknown outcome). */
export class PublishTimeoutError extends Error {}

export interface PublishOptions {
  /**
   * Stop waiting after this many milliseconds and reject with PublishTimeoutError, for request paths that
   * must answer 503 quickly while Kafka is down. Without it a publish waits for as long as Kafka needs.
   */
  deadlineMs?: number;
}

/**
 * Every publish is all-or-unknown: it resolves once Kafka acknowledged every event (acks=all). When it
 * rejects, some events may have been written anyway, so a caller that answers a client must be safe to
 * retry (an Idempotency-Key, a deterministic event id, or a transaction: BatchContext.emit).
 */
export class EventPublisher {
  private readonly producer: PartitionedProducer;

  constructor(kafka: Kafka) {
    this.producer = new PartitionedProducer(kafka);
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Takes only the event types the topic's registry entry allows: the wrong topic is a compile error. */
  async publish<TTopic extends TopicSpec>(topic: TTopic, events: readonly EventOn<TTopic>[], options: PublishOptions = {}): Promise<void> {
    if (events.length === 0) return;
    await sendTraced(topic, events, (messages) => withDeadline(this.producer.send(topic.name, messages), options.deadlineMs, topic.name));
    messagingMetrics.published.inc({ topic: topic.name }, events.length);
  }

  /** Sends raw messages as they are (dead letters keep their original bytes). */
  async publishRaw(topic: TopicSpec, messages: Message[], options: PublishOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    await withDeadline(this.producer.send(topic.name, messages), options.deadlineMs, topic.name);
    messagingMetrics.published.inc({ topic: topic.name }, messages.length);
  }

  /** Lets queued sends finish (10 s at most), then closes; later publishes are refused. */
  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

async function withDeadline(sending: Promise<void>, deadlineMs: number | undefined, topic: string): Promise<void> {
  if (deadlineMs === undefined) return sending;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeoutError(`no acknowledgement from Kafka for ${topic} within ${deadlineMs} ms`)), deadlineMs);
  });
  // The abandoned send may still fail later: that outcome is already reported as unknown.
  sending.catch(() => undefined);
  try {
    await Promise.race([sending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends `events` as messages under their PRODUCER spans (tracing.ts), each message carrying its span's trace
 * context; the spans end when `send` settles.
 */
export async function sendTraced<TTopic extends TopicSpec>(
  topic: TTopic,
  events: readonly EventOn<TTopic>[],
  send: (messages: Message[]) => Promise<void>,
): Promise<void> {
  const spans: PublishSpans = startPublishSpans(topic.name, events);
  try {
    await send(events.map((event, index) => toMessage(topic, event, spans.headers(index))));
  } catch (error) {
    spans.end(error);
    throw error;
  }
  spans.end();
}

/** `trace`: the `traceparent`/`tracestate` headers of the message's PRODUCER span, when tracing is on. */
export function toMessage<TTopic extends TopicSpec>(topic: TTopic, event: EventOn<TTopic>, trace?: Record<string, string>): Message {
  // Producers validate too: a bug must fail here, not poison every consumer downstream.
  const checked = checkEvent(event, topic.name);
  if (!checked.ok) throw new InvalidEventError(`refusing to publish: ${checked.reason}`);
  return {
    key: keyOf(topic, event),
    // Canonical JSON of what was validated: the ledger then keeps these bytes as the leaf instead of rebuilding them.
    value: canonicalJson(checked.event),
    headers: { ce_type: event.type, ce_id: event.id, ce_specversion: '1.0', 'content-type': 'application/cloudevents+json', ...trace },
  };
}

function keyOf(topic: TopicSpec, event: MedshareEvent): string | null {
  switch (topic.key) {
    case 'patient':
      if (!event.subject) throw new InvalidEventError(`${event.type} on ${topic.name} needs a subject (the patient pseudonym) as its key`);
      return event.subject;
    case 'institution': {
      const data = event.data as { institution?: string };
      return data.institution ?? event.source;
    }
    case 'correlation':
      return event.correlationid;
    case 'none':
      return null;
  }
}
