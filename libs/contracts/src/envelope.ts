// The CloudEvents 1.0 envelope (structured JSON mode) every medshare message travels in.
import { z } from 'zod';
import { newEventId } from './event-id';

export const cloudEventEnvelopeSchema = z.strictObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(64),
  type: z.string().regex(/^[a-z]+(\.[a-z-]+)+\.v\d+$/, 'type must be dotted and end in a version, e.g. records.encrypted.v1'),
  source: z.string().min(1).max(200),
  subject: z.string().min(1).max(200).optional(),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.literal('application/json'),
  correlationid: z.string().min(1).max(64),
  causationid: z.string().min(1).max(64),
  data: z.unknown(),
});

export type CloudEventEnvelope = z.infer<typeof cloudEventEnvelopeSchema>;

export interface CloudEvent<TType extends string = string, TData = unknown> extends Omit<CloudEventEnvelope, 'type' | 'data'> {
  type: TType;
  data: TData;
}

export interface CausedBy {
  /** The event or request that caused this one; a fresh chain starts with the new event's own id. */
  correlationid: string;
  causationid: string;
}

/** Builds an envelope; without a cause the event starts its own correlation chain. */
export function envelope<TType extends string, TData>(
  type: TType,
  source: string,
  data: TData,
  options: { subject?: string; cause?: CausedBy | { id: string; correlationid: string }; time?: Date } = {},
): CloudEvent<TType, TData> {
  const id = newEventId();
  const cause = options.cause;
  const correlationid = cause ? cause.correlationid : id;
  const causationid = cause ? ('id' in cause ? cause.id : cause.causationid) : id;
  return {
    specversion: '1.0',
    id,
    type,
    source,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    time: (options.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    correlationid,
    causationid,
    data,
  };
}
