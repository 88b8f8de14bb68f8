// The leaf input 0x00 || RFC 8785 bytes of an event, on the ledger's hot path.
import { canonicalJson, isCanonicalTextOf } from '@medshare/contracts';

/** The leaf input 0x00 || canonical bytes, in one buffer: hashing needs the prefix, rows need the rest. */
export function prefixedCanonicalBytes(value: unknown): Buffer {
  return Buffer.from(`\u0000${canonicalJson(value)}`, 'utf8');
}

/**
 * The leaf input from the message text itself when it already is canonical(validated) (producers write canonical
 * JSON: libs/messaging toMessage), else undefined. Saves building the canonical form again; what becomes the leaf
 * is still exactly the validated event's RFC 8785 bytes (encoded from the decoded text, so no invalid UTF-8 the
 * message may hold can reach the leaf).
 */
export function verbatimLeafInput(text: string, value: unknown, validated: unknown): Buffer | undefined {
  return isCanonicalTextOf(text, value, validated) ? Buffer.from(`\u0000${text}`, 'utf8') : undefined;
}
