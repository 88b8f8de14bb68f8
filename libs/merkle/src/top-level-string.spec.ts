// topLevelString answers what JSON.parse(text)[key] would (a string, or undefined) for every valid JSON text:
// canonical CloudEvents, escapes, nested look-alikes, duplicates, whitespace, other JSON values; and undefined
// for text JSON.parse refuses when the walk cannot finish.
import { topLevelString, topLevelStringIs } from './top-level-string';

const parsedId = (text: string): string | undefined => {
  const value = (JSON.parse(text) as Record<string, unknown> | null)?.id;
  return typeof value === 'string' ? value : undefined;
};

const VALID = [
  '{"data":{"id":"nested","list":[{"id":"deeper"}],"text":"a \\"quoted\\" } ] { ["},"id":"event-1","source":"s","type":"t"}',
  '{"id":"first"}',
  '{"a":1,"b":-2.5e3,"c":true,"d":null,"e":[],"f":{},"id":"after-literals"}',
  '{ "id" : "spaced" ,\n "type": "t" }',
  '{"id":"unicode \u00e9 \u4e2d \ud83d\ude00"}',
  '{"id":"with \\"escape\\""}',
  '{"i\\u0064":"escaped key"}',
  '{"id":"one","id":"two"}',
  '{"id":7}',
  '{"id":{"id":"object"}}',
  '{"data":"\\\\","id":"after a backslash"}',
  '{"data":"ends with \\\\\\"","id":"x"}',
  '{}',
  '[{"id":"in an array"}]',
  '"id"',
  'null',
  '42',
  '{"ID":"case","idx":"prefix","i":"short"}',
];

describe('topLevelString', () => {
  it.each(VALID)('answers as JSON.parse does for %s', (text) => {
    expect(topLevelString(Buffer.from(text, 'utf8'), 'id')).toBe(parsedId(text));
  });

  it.each(['', '{', '{"id":"cut', '{"id":"x",}', '{"id" "x"}', 'not json', '{"id":"x"} trailing'])('answers undefined for %p', (text) => {
    expect(topLevelString(Buffer.from(text, 'utf8'), 'id')).toBeUndefined();
  });

  // As the replica's reading calls it: the text after a prefix byte, the expected id a range of other bytes.
  it.each(VALID)('compares as JSON.parse and string equality do for %s', (text) => {
    const bytes = Buffer.from(`\x00${text}`, 'utf8');
    const is = (id: string) => {
      const expected = Buffer.from(`[${id}]`, 'utf8');
      return topLevelStringIs(bytes, 1, Buffer.from('id'), expected, 1, expected.length - 1);
    };
    const id = parsedId(text);
    for (const candidate of ['event-1', 'first', 'with "escape"', 'unicode \u00e9 \u4e2d \ud83d\ude00', 'two', '', 'x'])
      expect(is(candidate)).toBe(candidate === id);
    if (id !== undefined) expect(is(id)).toBe(true);
  });

  it('reads the id of a canonical event', () => {
    const event = {
      data: { kekVersion: 2, retiredVersions: [] },
      id: '0b5c6a1e-8f0e-4a57-9d3c-2f1b7e7f6e01',
      source: 'encryption',
      type: 'keys.kek-rotated.v1',
    };
    expect(topLevelString(Buffer.from(JSON.stringify(event)), 'id')).toBe(event.id);
  });
});
