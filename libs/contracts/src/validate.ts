// Parses raw bytes into a typed medshare event, or says exactly why it cannot.
import { isValidUnchanged } from './compiled-validation';
import { cloudEventEnvelopeSchema } from './envelope';
import { eventSchemas, isEventType, type MedshareEvent } from './event-types';
import { topicByName } from './topics';

export type ParseResult = { ok: true; event: MedshareEvent } | { ok: false; reason: string };

const MAX_REASON = 500;

export function parseEvent(raw: Buffer | string | null, topic?: string): ParseResult {
  const parsed = parseJson(raw);
  return parsed.ok ? checkEvent(parsed.json, topic) : parsed;
}

/**
 * validateEvent's answer, cheaper for the common case: what the compiled check accepts is what validateEvent would
 * return unchanged (compiled-validation.ts), so it is the event as it stands; anything else gets validateEvent's
 * answer and reason. For fresh values only (parsed JSON, an event about to be serialised): it returns `json` itself.
 */
export function checkEvent(json: unknown, topic?: string): ParseResult {
  return topic !== undefined && isValidUnchanged(json, topic) ? { ok: true, event: json as MedshareEvent } : validateEvent(json, topic);
}

/** The first step of parseEvent, for callers that keep the text and the plain JSON value too (the ledger). */
export function parseJson(raw: Buffer | string | null): { ok: true; text: string; json: unknown } | { ok: false; reason: string } {
  if (raw === null || raw.length === 0) return { ok: false, reason: 'empty message' };
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  try {
    return { ok: true, text, json: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'malformed JSON' };
  }
}

export function validateEvent(json: unknown, topic?: string): ParseResult {
  const envelope = cloudEventEnvelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `invalid CloudEvents envelope: ${describe(envelope.error.issues)}` };
  const { type } = envelope.data;
  if (!isEventType(type)) return { ok: false, reason: `unknown event type ${type}` };
  if (topic !== undefined) {
    const spec = topicByName(topic);
    if (!spec) return { ok: false, reason: `unknown topic ${topic}` };
    if (!spec.eventTypes.includes(type)) return { ok: false, reason: `event type ${type} does not belong on ${topic}` };
  }
  const data = eventSchemas[type].safeParse(envelope.data.data);
  if (!data.success) return { ok: false, reason: `invalid ${type} data: ${describe(data.error.issues)}` };
  // Asserted once, here: the schema of `type` has just parsed `data`, a pairing TypeScript cannot see.
  return { ok: true, event: { ...envelope.data, type, data: data.data } as MedshareEvent };
}

/** Paths and messages only: zod messages name the rule, never echo the offending value. */
function describe(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ')
    .slice(0, MAX_REASON);
}
