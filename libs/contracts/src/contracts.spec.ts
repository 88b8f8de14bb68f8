import { canonicalBytes, envelope, newEventId, parseEvent, topics, allTopics, eventSchemas } from './index';

const sealed = envelope(
  'ingest.sealed.v1',
  'hosp-a',
  {
    institution: 'hosp-a',
    patient: 'p-abcdefghijklmnop',
    requestId: 'req-1',
    records: [{ recordId: 'r1', resourceType: 'Observation' }],
    sealed: { suite: 'X25519-HKDF-SHA256/AES-256-GCM', keyId: 'k1', enc: 'AAAA', ciphertext: 'AAAA' },
  } as const,
  { subject: 'p-abcdefghijklmnop' },
);

describe('event ids', () => {
  it('are UUIDv7 and sort by creation order within one process', () => {
    const ids = Array.from({ length: 2000 }, () => newEventId());
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('canonical bytes (RFC 8785)', () => {
  it.each([
    ['sorts keys', { b: 1, a: 2 }, '{"a":2,"b":1}'],
    ['sorts nested keys and keeps array order', { z: [3, { y: 1, x: 2 }], a: null }, '{"a":null,"z":[3,{"x":2,"y":1}]}'],
    ['serialises numbers the ECMAScript way', { n: 1e21, m: 0.000001, i: 10.0 }, '{"i":10,"m":0.000001,"n":1e+21}'],
    ['escapes only what JSON requires', { s: 'é\u000f"' }, '{"s":"é\\u000f\\""}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalBytes(value).toString('utf8')).toBe(expected);
  });
});

describe('parseEvent', () => {
  const valid = JSON.stringify(sealed);
  it.each([
    ['accepts a valid event on its topic', valid, topics.ingestSealed.name, null],
    ['refuses malformed JSON', '{"specversion":', undefined, 'malformed JSON'],
    ['refuses an empty message', '', undefined, 'empty message'],
    ['refuses a missing envelope field', JSON.stringify({ ...sealed, source: undefined }), undefined, 'invalid CloudEvents envelope: source'],
    ['refuses an unversioned type', JSON.stringify({ ...sealed, type: 'ingest.sealed' }), undefined, 'invalid CloudEvents envelope: type'],
    ['refuses an unknown event type', JSON.stringify({ ...sealed, type: 'ingest.sealed.v9' }), undefined, 'unknown event type ingest.sealed.v9'],
    ['refuses an event on a topic it does not belong to', valid, topics.consent.name, 'does not belong on medshare.consent.v1'],
    ['refuses an unknown topic', valid, 'medshare.nope.v1', 'unknown topic medshare.nope.v1'],
    [
      'refuses data that fails its schema',
      JSON.stringify({ ...sealed, data: { ...sealed.data, patient: 'Jane Doe' } }),
      undefined,
      'invalid ingest.sealed.v1 data: patient',
    ],
    ['refuses unknown data fields', JSON.stringify({ ...sealed, data: { ...sealed.data, name: 'x' } }), undefined, 'invalid ingest.sealed.v1 data'],
  ])('%s', (_name, raw, topic, expectedReason) => {
    const result = parseEvent(raw, topic);
    if (expectedReason === null) {
      expect(result).toEqual({ ok: true, event: sealed });
    } else {
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.reason).toContain(expectedReason);
    }
  });

  it('never echoes a rejected value in its reason', () => {
    const result = parseEvent(JSON.stringify({ ...sealed, data: { ...sealed.data, patient: 'CANARY-Jane-Doe' } }));
    expect(result.ok ? '' : result.reason).not.toContain('CANARY');
  });
});

describe('topic registry', () => {
  it('names every topic with the medshare prefix and a version, once', () => {
    const names = allTopics.map((topic) => topic.name);
    expect(names.every((name) => /^medshare\.[a-z.-]+\.v\d+$/.test(name))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });
  it('places every event type on exactly one topic', () => {
    for (const type of Object.keys(eventSchemas)) {
      expect(allTopics.filter((topic) => topic.eventTypes.includes(type as never)).map((t) => t.name)).toHaveLength(1);
    }
  });
});
