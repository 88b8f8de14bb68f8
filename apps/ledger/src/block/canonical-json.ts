// RFC 8785 bytes of a parsed event, on the ledger's hot path: a copy with every object's keys inserted
// in sorted (UTF-16) order, serialised by the engine's JSON.stringify, whose string and number output
// is exactly RFC 8785's. About twice as fast as `canonicalBytes` (libs/contracts); where the engine would
// not keep insertion order (integer-like keys) or a key is `__proto__`, it falls back to it.
import { canonicalBytes } from '@medshare/contracts';

class NeedsReferenceCanonicaliser extends Error {}

/** The leaf input 0x00 || canonical bytes, in one buffer: hashing needs the prefix, rows need the rest. */
export function prefixedCanonicalBytes(value: unknown): Buffer {
  let text: string;
  try {
    text = JSON.stringify(keySorted(value));
  } catch (error) {
    if (!(error instanceof NeedsReferenceCanonicaliser)) throw error;
    return Buffer.concat([LEAF_PREFIX, canonicalBytes(value)]);
  }
  return Buffer.from(`\u0000${text}`, 'utf8');
}

const LEAF_PREFIX = Buffer.from([0x00]);

function keySorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) copy[i] = keySorted(value[i]);
    return copy;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw new NeedsReferenceCanonicaliser();
  const keys = Object.keys(value);
  if (keys.length > 1) keys.sort();
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const first = key.charCodeAt(0);
    // Integer-like keys are ordered numerically by the engine; `__proto__` would set the prototype.
    if ((first >= 48 && first <= 57) || key === '__proto__') throw new NeedsReferenceCanonicaliser();
    copy[key] = keySorted((value as Record<string, unknown>)[key]);
  }
  return copy;
}
