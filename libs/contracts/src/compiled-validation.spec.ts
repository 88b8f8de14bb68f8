// The compiled check may be stricter than zod (those events take zod's path), never looser: whatever it accepts,
// validateEvent accepts and returns unchanged. Checked on every golden fixture and on mutations of each of their
// values (types, lengths counted in UTF-16 and in code points, patterns, ranges, missing and unknown keys).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isValidUnchanged } from './compiled-validation';
import { allTopics } from './topics';
import { checkEvent, validateEvent } from './validate';

const root = resolve(__dirname, '../../../test/fixtures/events');

const fixtures = readdirSync(root).flatMap((name) =>
  readdirSync(resolve(root, name)).flatMap((version) =>
    readdirSync(resolve(root, name, version)).map((file) => {
      const event = JSON.parse(readFileSync(resolve(root, name, version, file), 'utf8')) as Record<string, unknown>;
      const topic = allTopics.find((spec) => spec.eventTypes.includes(event.type as never));
      return { name: `${name}/${version}/${file}`, event, topic: topic?.name ?? 'none' };
    }),
  ),
);

const replacements: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  200,
  599,
  600,
  2 ** 53,
  '',
  'x',
  'x'.repeat(33),
  'x'.repeat(65),
  'x'.repeat(201),
  'x'.repeat(1001),
  // Code points and UTF-16 units differ: zod (4.6) counts code points, the compiled check units.
  '😀',
  'x😀',
  '😀'.repeat(32),
  '😀'.repeat(33),
  'p-abcdefghijklmnop',
  'P-ABCDEFGHIJKLMNOP',
  'hosp-a',
  'TREAT',
  'permit',
  'Observation',
  'a'.repeat(64),
  'A+/=',
  // Base64 fields: padding in the middle, the URL alphabet.
  'ab=c',
  'A-_B',
  '2026-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00',
  [],
  ['x'],
  {},
  { zz: 1 },
];

type Json = unknown;

/** Every variant of `value` with one change somewhere in it. */
function* mutations(value: Json): Generator<Json> {
  if (Array.isArray(value)) {
    yield [...value, value[0] ?? 'x'];
    yield Array.from({ length: 201 }, () => value[0] ?? 'x');
    for (let i = 0; i < value.length; i += 1) for (const changed of mutations(value[i])) yield value.map((item, j) => (j === i ? changed : item));
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, Json>;
    yield { ...object, zz: 'x' };
    for (const key of Object.keys(object)) {
      const { [key]: _removed, ...rest } = object;
      yield rest;
      for (const changed of mutations(object[key])) yield { ...object, [key]: changed };
    }
  }
  yield* replacements;
}

describe('isValidUnchanged', () => {
  it('accepts every golden fixture (the fast path serves every event type)', () => {
    expect(fixtures.filter(({ event, topic }) => !isValidUnchanged(event, topic)).map(({ name }) => name)).toEqual([]);
  });

  it('accepts only what validateEvent accepts and returns unchanged, over every fixture and its mutations', () => {
    let accepted = 0;
    const looser: string[] = [];
    for (const { name, event, topic } of fixtures) {
      for (const candidate of mutations(event)) {
        if (!isValidUnchanged(candidate, topic)) continue;
        accepted += 1;
        const result = validateEvent(candidate, topic);
        if (!result.ok || JSON.stringify(sortedCopy(result.event)) !== JSON.stringify(sortedCopy(candidate)))
          looser.push(`${name}: ${JSON.stringify(candidate)}`);
      }
    }
    expect(looser.slice(0, 5)).toEqual([]);
    // Not vacuous: many mutations (other valid values, optional keys removed) stay valid.
    expect(accepted).toBeGreaterThan(1000);
  });

  it('gives checkEvent the answer of validateEvent over every fixture and its mutations: verdict, event, reason', () => {
    const differ: string[] = [];
    for (const { name, event, topic } of fixtures) {
      for (const candidate of mutations(event)) {
        const [fast, full] = [checkEvent(candidate, topic), validateEvent(candidate, topic)];
        const same =
          fast.ok && full.ok
            ? JSON.stringify(sortedCopy(fast.event)) === JSON.stringify(sortedCopy(full.event))
            : !fast.ok && !full.ok && fast.reason === full.reason;
        if (!same) differ.push(`${name}: ${JSON.stringify(candidate)}`);
      }
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('refuses an event on a topic that does not carry its type, and on an unknown topic', () => {
    const { event } = fixtures.find(({ name }) => name.startsWith('access.decision/')) as (typeof fixtures)[number];
    expect(isValidUnchanged(event, 'medshare.governance.alerts.v1')).toBe(false);
    expect(isValidUnchanged(event, 'no.such.topic')).toBe(false);
  });
});

function sortedCopy(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedCopy((value as Record<string, Json>)[key])]),
  );
}
