import { namesAnInvariantReads } from './invariant-reads';

describe('namesAnInvariantReads', () => {
  it.each<[string, string, string[] | undefined]>([
    ['names a navigation path (dom-2)', 'contained.contained.empty()', ['contained', 'contained']],
    [
      'ignores string literals and word operators (obs-6 style)',
      "code.empty() or system = 'http://x.example/a.b' and value in ('a' | 'b')",
      ['code', 'system', 'value'],
    ],
    ['declines memberOf() (terminology)', 'code.memberOf(%ucum)', undefined],
    ['keeps %ucum itself readable', 'system = %ucum or code.empty()', ['system', 'code']],
    ['declines %resource (reads the whole resource)', 'value.empty() or %resource.code.exists()', undefined],
    ['declines $this (the context itself)', '$this.exists()', undefined],
    ['declines descendants() (reads without naming a key)', 'descendants().reference.exists()', undefined],
    ['declines extension(url) (reads extension without naming it)', "extension('https://x.example/e').empty()", undefined],
    ['takes a backtick-quoted name', '`div`.exists()', ['div']],
  ])('%s', (_case, expression, names) => {
    expect(namesAnInvariantReads(expression)).toEqual(names);
  });
});
