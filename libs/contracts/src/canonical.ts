// RFC 8785 (JSON Canonicalization Scheme) bytes: what the ledger hashes and signatures cover.
import canonicalizeJson from 'canonicalize';

/** The reference implementation (the `canonicalize` package). */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return Buffer.from(text, 'utf8');
}

class NeedsReferenceCanonicaliser extends Error {}

/**
 * RFC 8785 text on hot paths (producers write it, the ledger keeps it): a copy with every object's keys inserted
 * in sorted (UTF-16) order, serialised by the engine's JSON.stringify, whose string and number output is exactly
 * RFC 8785's. About twice as fast as `canonicalBytes`; where the engine would not keep insertion order
 * (integer-like keys) or a key is `__proto__`, it falls back to it.
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(keySorted(value));
  } catch (error) {
    if (!(error instanceof NeedsReferenceCanonicaliser)) throw error;
    return canonicalBytes(value).toString('utf8');
  }
}

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
    if (!engineKeepsOrder(key)) throw new NeedsReferenceCanonicaliser();
    copy[key] = keySorted((value as Record<string, unknown>)[key]);
  }
  return copy;
}

/** Integer-like keys are ordered numerically by the engine; `__proto__` would set the prototype. */
function engineKeepsOrder(key: string): boolean {
  const first = key.charCodeAt(0);
  return !(first >= 48 && first <= 57) && key !== '__proto__';
}

/**
 * True when `text` is already the RFC 8785 form of `value` (= JSON.parse(text)) and `value` is deeply equal to
 * `validated` (what a schema returned for it): then `text` itself is canonical(validated), without building it.
 * A walk and one JSON.stringify, no copies; false (never a wrong true) for anything it is unsure of.
 */
export function isCanonicalTextOf(text: string, value: unknown, validated: unknown): boolean {
  return sortedAndEqual(value, validated) && JSON.stringify(value) === text;
}

function sortedAndEqual(value: unknown, validated: unknown): boolean {
  if (value === null || typeof value !== 'object') return value === validated;
  if (validated === null || typeof validated !== 'object') return false;
  if (Array.isArray(value)) {
    if (!Array.isArray(validated) || validated.length !== value.length) return false;
    for (let i = 0; i < value.length; i += 1) if (!sortedAndEqual(value[i], validated[i])) return false;
    return true;
  }
  if (Array.isArray(validated)) return false;
  const keys = Object.keys(value);
  if (keys.length !== Object.keys(validated).length) return false;
  let previous: string | undefined;
  for (const key of keys) {
    if (!engineKeepsOrder(key) || (previous !== undefined && previous >= key) || !Object.hasOwn(validated, key)) return false;
    if (!sortedAndEqual((value as Record<string, unknown>)[key], (validated as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * True when `text`, valid JSON (the caller parsed it), is already the RFC 8785 form of its value, read straight
 * from the characters: no whitespace, every string as JSON.stringify writes it, every number in its ECMAScript
 * form, every object's keys in strictly increasing UTF-16 order (so none twice). The same answer as
 * `isCanonicalTextOf(text, value, value)` without walking the value or serialising it again; false, never a wrong
 * true, for what it leaves to that slow way: escaped, integer-like or `__proto__` keys and escaped surrogates.
 */
export function isCanonicalJsonText(text: string): boolean {
  // Per open container: whether it is an object, and where the object's last key so far starts and ends.
  const isObject: boolean[] = [];
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  let atKey = false;
  // Most strings hold no escape and the text no surrogate: then a string ends at the next quote, which the engine's
  // indexOf finds much faster than a loop over its characters. `nextEscape` is the first backslash not yet passed.
  const scanStrings = SURROGATE.test(text);
  let nextEscape = text.indexOf('\\');
  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = scanStrings ? -1 : text.indexOf('"', i + 1);
      if (scanStrings || (nextEscape >= 0 && nextEscape < end)) {
        end = stringEnd(text, i + 1, atKey);
        nextEscape = end < 0 ? -1 : text.indexOf('\\', end + 1);
      }
      if (end < 0) return false;
      if (atKey) {
        const depth = isObject.length - 1;
        if (!keyAllowed(text, i + 1, end) || !after(text, keyStart[depth], keyEnd[depth], i + 1, end)) return false;
        keyStart[depth] = i + 1;
        keyEnd[depth] = end;
        atKey = false;
      }
      i = end + 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      isObject.push(c === 0x7b);
      keyStart.push(-1);
      keyEnd.push(-1);
      atKey = c === 0x7b;
      i += 1;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      isObject.pop();
      keyStart.pop();
      keyEnd.pop();
      i += 1;
    } else if (c === 0x2c /* , */) {
      atKey = isObject[isObject.length - 1] === true;
      i += 1;
    } else if (c === 0x3a /* : */) {
      i += 1;
    } else if (c === 0x74 /* true */ || c === 0x6e /* null */) {
      i += 4;
    } else if (c === 0x66 /* false */) {
      i += 5;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end += 1;
      const number = text.slice(i, end);
      if (String(Number(number)) !== number) return false;
      i = end;
    } else {
      return false; // whitespace: the only other thing valid JSON holds outside strings
    }
  }
  return true;
}

/** Index of the closing quote of the string whose characters start at `i`, or -1 if JSON.stringify would write it otherwise. */
function stringEnd(text: string, i: number, isKey: boolean): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      if (isKey) return -1;
      const e = text.charCodeAt(i + 1);
      if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
      else if (e === 0x75 /* u */ && isControlEscape(text, i + 2)) i += 6;
      else return -1;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      // A surrogate pair stays as it is; a lone surrogate JSON.stringify would escape.
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return -1;
      i += 2;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return -1;
    } else {
      i += 1;
    }
  }
  return -1;
}

/** `\u00XX` in lower case for a control character without a short escape (\b \t \n \f \r): JSON.stringify's form. */
function isControlEscape(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 0x30 || text.charCodeAt(at + 1) !== 0x30) return false;
  const high = text.charCodeAt(at + 2);
  const low = text.charCodeAt(at + 3);
  const lowValue = low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
  if ((high !== 0x30 && high !== 0x31) || lowValue < 0) return false;
  const code = (high - 0x30) * 16 + lowValue;
  return code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;
}

/** Keys the engine would not keep in text order (integer-like) or that set a prototype are left to the slow way. */
function keyAllowed(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  return !(first >= 0x30 && first <= 0x39) && !(end - start === 9 && text.startsWith('__proto__', start));
}

/** True when the key at [start, end) comes strictly after the previous one at [previousStart, previousEnd) in UTF-16 order. */
function after(text: string, previousStart: number, previousEnd: number, start: number, end: number): boolean {
  if (previousStart < 0) return true;
  const common = Math.min(previousEnd - previousStart, end - start);
  for (let k = 0; k < common; k += 1) {
    const a = text.charCodeAt(previousStart + k);
    const b = text.charCodeAt(start + k);
    if (a !== b) return b > a;
  }
  return end - start > previousEnd - previousStart;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}
