import { canonicalBytes } from '@medshare/contracts';
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
