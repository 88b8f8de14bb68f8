// The AsyncAPI 3.0 document of the bus, generated from the topic registry and the event schemas: a channel per
// topic (key, partitions, retention as Kafka bindings), its message types with the CloudEvents Kafka headers, a
// send operation per producer and a receive operation per consumer, and the broker's SASL_SSL/SCRAM-SHA-512 scheme.
import { allTopics, deadLetterTopic, topics, type KeyStrategy, type TopicSpec } from '../topics';
import { eventSchemas, type EventType } from '../event-types';
import { eventJsonSchema } from './event-schemas';
import type { JsonSchema } from './json-schema';

const KAFKA_BINDING = '0.5.0';
const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/** Kafka keys per the registry's key strategy (null: no key, round-robin over the partitions). */
const KEY_SCHEMAS: Record<KeyStrategy, JsonSchema> = {
  patient: { type: 'string', pattern: '^p-[a-z2-7]{16,64}$', description: 'the patient pseudonym (the event subject): per-patient order' },
  institution: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'the institution (data.institution, else the event source)' },
  correlation: { type: 'string', description: 'the correlation id: a request and its reply on the same partition number' },
  none: { type: 'null', description: 'no key' },
};

/** The CloudEvents Kafka protocol binding headers every medshare producer sets (structured mode plus ce_ headers). */
function cloudEventHeaders(type: EventType): JsonSchema {
  return {
    type: 'object',
    properties: {
      ce_specversion: { type: 'string', const: '1.0' },
      ce_type: { type: 'string', const: type },
      ce_id: { type: 'string', description: 'the event id (UUIDv7), as in the payload' },
      'content-type': { type: 'string', const: CLOUDEVENTS_JSON },
    },
    required: ['ce_specversion', 'ce_type', 'ce_id', 'content-type'],
  };
}

const DEAD_LETTER_HEADERS: JsonSchema = {
  type: 'object',
  description: 'the original headers, plus where the message came from and why it was refused',
  properties: {
    'dlq.reason': { type: 'string', description: 'paths and rule names, never values' },
    'dlq.topic': { type: 'string' },
    'dlq.partition': { type: 'string' },
    'dlq.offset': { type: 'string' },
    'dlq.group': { type: 'string' },
    'dlq.time': { type: 'string', format: 'date-time' },
  },
  required: ['dlq.reason', 'dlq.topic', 'dlq.partition', 'dlq.offset', 'dlq.group', 'dlq.time'],
};

function retentionText(topic: TopicSpec): string {
  return topic.retentionMs < 0 ? 'kept forever' : `kept ${topic.retentionMs} ms`;
}

/** The dead-letter topic carries whatever was refused, under one message name; the others their event types. */
function messageNames(topic: TopicSpec): string[] {
  return topic === deadLetterTopic ? ['deadLetter'] : [...topic.eventTypes];
}

function channelId(topic: TopicSpec): string {
  return Object.entries(topics).find(([, spec]) => spec.name === topic.name)?.[0] ?? 'deadLetter';
}

function channel(topic: TopicSpec): Record<string, unknown> {
  const messages: Record<string, unknown> =
    topic === deadLetterTopic
      ? {
          deadLetter: {
            name: 'dead letter',
            summary: 'a message some consumer refused, with its original key, bytes and headers',
            headers: DEAD_LETTER_HEADERS,
            payload: {},
          },
        }
      : Object.fromEntries(
          topic.eventTypes.map((type) => [
            type,
            {
              name: type,
              title: type,
              contentType: CLOUDEVENTS_JSON,
              correlationId: { location: '$message.payload#/correlationid' },
              headers: cloudEventHeaders(type),
              payload: { $ref: `#/components/schemas/${type}` },
              bindings: { kafka: { key: KEY_SCHEMAS[topic.key], bindingVersion: KAFKA_BINDING } },
            },
          ]),
        );
  return {
    address: topic.name,
    title: topic.name,
    description: `${topic.partitions} partition(s), ${retentionText(topic)}; ${topic.audited ? 'every event is a leaf on the ledger' : 'not on the ledger'}. Producers: ${topic.producers.join(', ') || 'none'}; consumers: ${topic.consumers.join(', ') || 'none (people read it)'}.`,
    messages,
    bindings: {
      kafka: {
        topic: topic.name,
        partitions: topic.partitions,
        topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': topic.retentionMs },
        bindingVersion: KAFKA_BINDING,
      },
    },
  };
}

/** A send operation per producer, a receive operation per consumer: the registry's producers and consumers. */
function operations(topic: TopicSpec): [string, unknown][] {
  const id = channelId(topic);
  const operation = (service: string, action: 'send' | 'receive'): [string, unknown] => [
    `${service}.${action}.${id}`,
    {
      action,
      channel: { $ref: `#/channels/${id}` },
      summary: `${service} ${action === 'send' ? 'publishes to' : 'consumes'} ${topic.name}`,
      messages: messageNames(topic).map((name) => ({ $ref: `#/channels/${id}/messages/${name}` })),
      tags: [{ name: `service:${service}` }],
    },
  ];
  return [...topic.producers.map((service) => operation(service, 'send')), ...topic.consumers.map((service) => operation(service, 'receive'))];
}

export function asyncApiDocument(): Record<string, unknown> {
  const types = Object.keys(eventSchemas) as EventType[];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'medshare event bus',
      version: '1.0.0',
      description:
        'Every topic of medshare, generated from the topic registry and the event schemas in libs/contracts (`npx medshare contracts`). Every message is one CloudEvents 1.0 event in structured JSON mode; `ce_type`, `ce_id` and `ce_specversion` are also Kafka headers. A published event version is frozen: a change is a new version. The same schemas in JSON Schema draft 2020-12 are under events/.',
    },
    defaultContentType: CLOUDEVENTS_JSON,
    servers: {
      development: {
        host: '127.0.0.1:19092',
        protocol: 'kafka-secure',
        description:
          'The development broker (KAFKA_BROKERS). Listeners use TLS and SASL/SCRAM-SHA-512, one principal per service, ACLs generated from the topic registry.',
        security: [{ $ref: '#/components/securitySchemes/saslScram' }],
      },
    },
    channels: Object.fromEntries(allTopics.map((topic) => [channelId(topic), channel(topic)])),
    operations: Object.fromEntries(allTopics.flatMap(operations)),
    components: {
      // Draft-07 here (the JSON Schema dialect AsyncAPI 3.0 reads), from the same zod schemas as events/*.schema.json.
      schemas: Object.fromEntries(types.map((type) => [type, eventJsonSchema(type, 'draft-7')])),
      securitySchemes: {
        saslScram: { type: 'scramSha512', description: 'SASL_SSL with SCRAM-SHA-512: a principal per service, the operator CLI and analyst group' },
      },
    },
  };
}
