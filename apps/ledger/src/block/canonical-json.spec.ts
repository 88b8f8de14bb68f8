import { canonicalBytes } from '@medshare/contracts';
import { prefixedCanonicalBytes } from './canonical-json';

describe('prefixedCanonicalBytes', () => {
  it.each<[string, unknown]>([
    ['an event envelope with nested data', { type: 't.v1', id: 'x', data: { b: [3, { z: 1, a: null }], a: 'é' }, time: '2026-01-01T00:00:00Z' }],
    ['keys ordered by UTF-16 code units, not locale', { b: 1, B: 2, é: 3, '\u{1F600}': 4, '\uFFFD': 5, a_: 6, a: 7 }],
    ['numbers in their ECMAScript form', { n: [0, -0, 1e21, 1e-7, 0.1, 123456789012345680000, -5.5] }],
    ['escapes and lone surrogates', { s: 'line\nbreak "quoted" \\ \u0001 \ud800 </script>' }],
    ['integer-like keys (reference fallback)', { 10: 'a', 9: 'b', x: { 2: 1, 1: 2 } }],
    ['a __proto__ key (reference fallback)', JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown],
    ['undefined values left out of objects and null in arrays', { a: undefined, b: [undefined, 1] }],
    ['empty containers', { a: {}, b: [] }],
  ])('gives 0x00 || the RFC 8785 bytes for %s', (_case, value) => {
    expect(prefixedCanonicalBytes(value)).toEqual(Buffer.concat([Buffer.from([0]), canonicalBytes(value)]));
  });
});
