// Which keys of its context an invariant can read, so the fast path can skip evaluating it on a resource that has
// none of them (its result is then the one on an empty resource of the same type, computed once).

// Functions that only read the collection they are applied to and their arguments; anything else (children(),
// descendants(), resolve(), extension(url)...) may read the context without naming a key.
const NAVIGATION_ONLY_FUNCTIONS = new Set([
  'all',
  'allFalse',
  'allTrue',
  'anyFalse',
  'anyTrue',
  'as',
  'combine',
  'contains',
  'count',
  'distinct',
  'empty',
  'endsWith',
  'exclude',
  'exists',
  'first',
  'hasValue',
  'iif',
  'in',
  'intersect',
  'is',
  'isDistinct',
  'last',
  'length',
  'lower',
  'matches',
  'not',
  'ofType',
  'select',
  'single',
  'skip',
  'startsWith',
  'subsetOf',
  'substring',
  'supersetOf',
  'tail',
  'take',
  'trace',
  'union',
  'upper',
  'where',
]);
// Operators written as words (`a in (b | c)`): never a navigation, even before a parenthesis.
const WORD_OPERATORS = new Set(['and', 'or', 'xor', 'implies', 'in', 'contains', 'is', 'as', 'div', 'mod']);
const STRING_LITERAL = /'(?:[^'\\]|\\.)*'/g;
const TOKEN = /`([^`]*)`|([$%]?[A-Za-z_][A-Za-z0-9_]*)(\s*\()?/g;

/**
 * The names an invariant navigates (a superset: every identifier it mentions), or undefined when it may read its
 * context otherwise: a variable other than %ucum (%resource, %rootResource, %context), `$this`, or a function outside
 * NAVIGATION_ONLY_FUNCTIONS. A JSON key can be read only if it starts with one of the names (`value` reads
 * `valueQuantity`).
 */
export function namesAnInvariantReads(expression: string): string[] | undefined {
  const names: string[] = [];
  for (const [, quoted, identifier, call] of expression.replace(STRING_LITERAL, "''").matchAll(TOKEN)) {
    const name = quoted ?? identifier;
    if (name.startsWith('%')) {
      if (name !== '%ucum') return undefined;
    } else if (name.startsWith('$')) {
      return undefined;
    } else if (quoted === undefined && WORD_OPERATORS.has(name)) {
      // An element named like an operator (`div`) must be backtick-quoted to be navigated.
      continue;
    } else if (call !== undefined) {
      if (!NAVIGATION_ONLY_FUNCTIONS.has(name)) return undefined;
    } else {
      names.push(name);
    }
  }
  return names;
}
