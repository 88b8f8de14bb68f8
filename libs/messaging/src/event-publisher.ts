// Publishes medshare events: validated against their schema, keyed by the topic's rule, acked by all replicas.
import type { Kafka, Message, Producer } from 'kafkajs';
import { validateEvent, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { messagingMetrics } from './metrics';

export class InvalidEventError extends Error {}

export class EventPublisher {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  /** Resolves only after Kafka acknowledged every event (acks=all); throws otherwise. */
  async publish(topic: TopicSpec, events: readonly MedshareEvent[]): Promise<void> {
    if (events.length === 0) return;
    const messages = events.map((event) => toMessage(topic, event));
    await this.producer.send({ topic: topic.name, acks: -1, messages });
    messagingMetrics.published.inc({ topic: topic.name }, events.length);
  }

  /** Sends raw messages as they are (dead letters keep their original bytes). */
  async publishRaw(topic: TopicSpec, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({ topic: topic.name, acks: -1, messages });
    messagingMetrics.published.inc({ topic: topic.name }, messages.length);
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}

export function toMessage(topic: TopicSpec, event: MedshareEvent): Message {
  // Producers validate too: a bug must fail here, not poison every consumer downstream.
  const checked = validateEvent(event, topic.name);
  if (!checked.ok) throw new InvalidEventError(`refusing to publish: ${checked.reason}`);
  return {
    key: keyOf(topic, event),
    value: JSON.stringify(event),
    headers: { ce_type: event.type, ce_id: event.id, ce_specversion: '1.0', 'content-type': 'application/cloudevents+json' },
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
