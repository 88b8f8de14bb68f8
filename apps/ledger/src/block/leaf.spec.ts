import { canonicalBytes, canonicalJson } from '@medshare/contracts';
import { leafHash } from '@medshare/merkle';
import { kekRotated } from '../../../../test/support/events';
import { leafOf, UNPARSEABLE } from './leaf';

const topic = 'medshare.keys.v1';

describe('leafOf', () => {
  it('hashes the canonical bytes of a parsed event', () => {
    const event = kekRotated(2);
    const { leaf, deadLetterReason } = leafOf({ topic, partition: 0, offset: '4', value: Buffer.from(JSON.stringify(event)) });
    expect(deadLetterReason).toBeUndefined();
    expect(leaf).toEqual({ eventId: event.id, eventType: 'keys.kek-rotated.v1', canonical: canonicalBytes(event), leafHash: leafHash(canonicalBytes(event)) });
  });

  it('keeps canonical message bytes as they are and canonicalises any other form to the same leaf', () => {
    const event = kekRotated(3);
    const leaves = [canonicalJson(event), JSON.stringify(event, null, 2), JSON.stringify(event)].map(
      (text) => leafOf({ topic, partition: 0, offset: '5', value: Buffer.from(text) }).leaf,
    );
    for (const leaf of leaves) expect(leaf.canonical).toEqual(canonicalBytes(event));
    expect(new Set(leaves.map((leaf) => leaf.leafHash.toString('hex')))).toEqual(new Set([leafHash(canonicalBytes(event)).toString('hex')]));
  });

  it('takes canonical bytes where they lie in the fetched batch: no copy, and the batch as it was after hashing', () => {
    const event = canonicalJson(kekRotated(6));
    // As in a record batch: the value's length varint right before it, more records after it.
    const batch = Buffer.concat([Buffer.from([0x07, 0x2a]), Buffer.from(event), Buffer.from([0x01, 0x02])]);
    const before = Buffer.from(batch);
    const value = batch.subarray(2, 2 + Buffer.byteLength(event));
    const { leaf } = leafOf({ topic, partition: 0, offset: '8', value });
    expect(leaf.canonical).toEqual(Buffer.from(event));
    // The same bytes, not equal ones (small Buffers share a pool, so the ArrayBuffer alone would not tell).
    expect([leaf.canonical.buffer, leaf.canonical.byteOffset]).toEqual([value.buffer, value.byteOffset]);
    expect(leaf.leafHash).toEqual(leafHash(Buffer.from(event)));
    expect(batch).toEqual(before);
  });

  it('takes the leaf from the decoded text, not the raw bytes, when they are not valid UTF-8', () => {
    const value = Buffer.from(canonicalJson({ ...kekRotated(5), source: 'encXryption' }));
    value[value.indexOf('encXryption') + 3] = 0xff;
    const { leaf, deadLetterReason } = leafOf({ topic, partition: 0, offset: '7', value });
    expect(deadLetterReason).toBeUndefined();
    // The text holds U+FFFD where the stray byte was: the leaf is its UTF-8, the same as before bytes were copied.
    expect(leaf.canonical).toEqual(Buffer.from(value.toString('utf8')));
    expect(leaf.canonical).not.toEqual(value);
    expect(leaf.leafHash).toEqual(leafHash(leaf.canonical));
  });

  it('never keeps a key the schema does not know, however canonical the bytes', () => {
    const event = { ...kekRotated(4), extra: 'CANARY-Jane-Doe' };
    const { leaf, deadLetterReason } = leafOf({ topic, partition: 0, offset: '6', value: Buffer.from(canonicalJson(event)) });
    expect(deadLetterReason).toBeDefined();
    expect(leaf.canonical.toString()).not.toContain('CANARY');
  });

  it.each([
    { name: 'malformed JSON', value: Buffer.from('{"patient":"Jane Doe"') },
    { name: 'an empty message', value: null },
  ])('records $name as a marker leaf without its bytes, and dead-letters it', ({ value }) => {
    const { leaf, deadLetterReason } = leafOf({ topic, partition: 0, offset: '9', value });
    expect(deadLetterReason).toBeDefined();
    expect(leaf.eventType).toBe(UNPARSEABLE);
    expect(leaf.eventId).toBe(`unparseable:${topic}:0:9`);
    expect(leaf.canonical.toString()).not.toContain('Jane');
    expect(leaf.leafHash).toEqual(leafHash(leaf.canonical));
  });
});
