import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { canonicalBytes, canonicalJson, isCanonicalJsonText, isCanonicalTextOf } from './canonical';

const values: [string, unknown][] = [
  ['an event envelope with nested data', { type: 't.v1', id: 'x', data: { b: [3, { z: 1, a: null }], a: 'é' }, time: '2026-01-01T00:00:00Z' }],
  ['keys ordered by UTF-16 code units, not locale', { b: 1, B: 2, é: 3, '\u{1F600}': 4, '\uFFFD': 5, a_: 6, a: 7 }],
  ['numbers in their ECMAScript form', { n: [0, -0, 1e21, 1e-7, 0.1, 123456789012345680000, -5.5] }],
  ['escapes and lone surrogates', { s: 'line\nbreak "quoted" \\ \u0001 \ud800 </script>' }],
  ['integer-like keys (reference fallback)', { 10: 'a', 9: 'b', x: { 2: 1, 1: 2 } }],
  ['a __proto__ key (reference fallback)', JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown],
  ['undefined values left out of objects and null in arrays', { a: undefined, b: [undefined, 1] }],
  ['empty containers', { a: {}, b: [] }],
];

describe('canonicalJson', () => {
  it.each(values)('gives the RFC 8785 text of the reference implementation for %s', (_case, value) => {
    expect(canonicalJson(value)).toBe(canonicalBytes(value).toString('utf8'));
  });
});

describe('isCanonicalTextOf', () => {
  const value = { a: 'é', b: [1, { c: null, d: 0.5 }], e: '\ud800' };
  const canonical = canonicalBytes(value).toString('utf8');

  it.each(values.filter(([name]) => !name.includes('fallback') && !name.includes('undefined')))('holds for the canonical text of %s', (_case, v) => {
    const text = canonicalBytes(v).toString('utf8');
    expect(isCanonicalTextOf(text, JSON.parse(text), JSON.parse(text))).toBe(true);
  });

  it.each([
    ['whitespace', JSON.stringify(value, null, 1)],
    ['keys out of order', '{"b":[1,{"c":null,"d":0.5}],"a":"é","e":"\\ud800"}'],
    ['an escape RFC 8785 does not use', canonical.replace('é', '\\u00e9')],
    ['a number in another form', canonical.replace('0.5', '5e-1')],
    ['a duplicated key', canonical.replace('{"a":"é",', '{"a":"x","a":"é",')],
    ['integer-like keys', '{"1":2,"a":1}'],
  ])('is false for text with %s', (_case, text) => {
    expect(isCanonicalTextOf(text, JSON.parse(text), value)).toBe(false);
  });

  it.each([
    ['a key the validated value lacks (a schema stripped it)', { ...value, extra: 'x' }],
    ['a different string', { ...value, a: 'e' }],
    ['an array of another length', { ...value, b: [1] }],
    ['an object where an array was', { ...value, b: { 0: 1 } }],
  ])('is false when the parsed value and the validated one differ: %s', (_case, validated) => {
    expect(isCanonicalTextOf(canonical, JSON.parse(canonical), validated)).toBe(false);
  });
});

describe('isCanonicalJsonText', () => {
  const fixtures = resolve(__dirname, '../../../test/fixtures/events');
  const events = readdirSync(fixtures).flatMap((name) =>
    readdirSync(resolve(fixtures, name)).flatMap((version) =>
      readdirSync(resolve(fixtures, name, version)).map((file) => JSON.parse(readFileSync(resolve(fixtures, name, version, file), 'utf8')) as unknown),
    ),
  );
  const slowWay = (text: string) => isCanonicalTextOf(text, JSON.parse(text), JSON.parse(text));

  it('holds for the canonical text of every golden event fixture', () => {
    expect(events.map(canonicalJson).filter((text) => !isCanonicalJsonText(text))).toEqual([]);
  });

  it.each([
    ['nested containers', '{"a":[[],{},[{"b":null}]],"b":{"c":{"d":true,"e":false}}}'],
    ['short escapes and a control character', '{"s":"\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f"}'],
    ['characters beyond ASCII, a surrogate pair and DEL', `{"s":"é😀\u007f/"}`],
    ['keys ordered by UTF-16 code units', `{"B":1,"_":2,"a":3,"aa":4,"é":5,"😀":6,"\uFFFD":7}`],
    ['numbers in their ECMAScript form', '[0,-5.5,0.1,1e+21,1e-7,123456789012345680000]'],
    ['a bare value', '"x"'],
    // Strings without an escape end at the next quote (found by indexOf); these mix them with strings that have one.
    ['escaped quotes that look like keys, between plain strings', '{"a":"p","b":"x\\",\\"a\\":\\"y","c":"q\\\\","d":"r"}'],
  ])('holds for %s', (_case, text) => {
    expect([isCanonicalJsonText(text), slowWay(text)]).toEqual([true, true]);
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['a trailing newline', '{"a":1}\n'],
    ['keys out of order', '{"b":1,"a":2}'],
    ['a duplicated key', '{"a":1,"a":2}'],
    ['nested keys out of order', '{"a":{"d":1,"c":2},"b":1}'],
    ['an escape JSON.stringify does not write', '{"a":"\\u00e9"}'],
    ['an escaped slash', '{"a":"\\/"}'],
    ['an upper-case control escape', '{"a":"\\u001F"}'],
    ['a long form of a short escape', '{"a":"\\u000a"}'],
    ['a number in another form', '[5e-1]'],
    ['a trailing zero', '[1.0]'],
    ['an upper-case exponent', '[1E+21]'],
    ['minus zero', '[-0]'],
    ['a literal lone surrogate', '"\ud800"'],
    ['an escape JSON.stringify does not write after plain strings', '{"a":"p","b":"q","c":"\\u00e9"}'],
    ['keys out of order after a string with an escaped quote', '{"a":"x\\"y","c":1,"b":2}'],
  ])('is false for %s, as the slow way is', (_case, text) => {
    expect([isCanonicalJsonText(text), slowWay(text)]).toEqual([false, false]);
  });

  it.each([
    ['an escaped lone surrogate', '{"a":"\\ud800"}'],
    ['an integer-like key', '{"1":2,"a":1}'],
    ['a __proto__ key', '{"__proto__":1}'],
    ['an escape in a key', '{"\\n":1}'],
  ])('leaves %s to the slow way (false, never a wrong true)', (_case, text) => {
    expect(isCanonicalJsonText(text)).toBe(false);
  });

  it('is never true where the slow way is false, over every fixture written in other forms', () => {
    const texts = events.flatMap((event) => [
      canonicalJson(event),
      JSON.stringify(event),
      JSON.stringify(event, null, 1),
      canonicalJson(event).replace(/":"/, '":"\\u0041'),
      canonicalJson(event).replace(/,"/, ',"a":1,"'),
      canonicalJson(event).replace(/\d+/, (digits) => `${digits}.0`),
    ]);
    const wrong = texts.filter((text) => isCanonicalJsonText(text) && !slowWay(text));
    expect(wrong).toEqual([]);
    expect(texts.filter(isCanonicalJsonText).length).toBeGreaterThanOrEqual(events.length);
  });
});
