// The CloudEvents 1.0 envelope (structured JSON mode) every medshare message travels in.
import { z } from 'zod';

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
