// The published JSON Schema of every event type and version: the whole CloudEvent (envelope, `type` fixed,
// `data` by its schema), generated from the zod schemas producers and consumers validate with.
import { z } from 'zod';
import { cloudEventEnvelopeSchema } from '../envelope';
import { eventSchemas, type EventType } from '../event-types';
import { jsonSchemaOf, type JsonSchema, type JsonSchemaTarget } from './json-schema';

export const eventTypes = Object.keys(eventSchemas) as EventType[];

/** Where docs/contracts keeps an event type's schema, relative to docs/contracts/. */
export function eventSchemaFile(type: string): string {
  return `events/${type}.schema.json`;
}

export function eventJsonSchema(type: EventType, target: JsonSchemaTarget = 'draft-2020-12'): JsonSchema {
  const event = cloudEventEnvelopeSchema.extend({ type: z.literal(type), data: eventSchemas[type] });
  const { $schema, ...schema } = jsonSchemaOf(event, { target });
  return {
    ...(target === 'draft-2020-12' && { $schema, $id: `urn:medshare:contracts:${eventSchemaFile(type)}` }),
    title: type,
    description: `A medshare ${type} event: CloudEvents 1.0, structured JSON mode. A published version is frozen: a change is a new version.`,
    ...schema,
  };
}
