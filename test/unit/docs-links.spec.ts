// The documentation travels with the repository: every link in a Markdown file resolves to a file of the
// repository, nothing names a path outside it, and README.md and docs/ link to nothing on the web.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SKIPPED = new Set(['node_modules', 'dist', '.git', '.data', '.nx']);

function markdownFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Link targets: inline `[text](target)` and reference definitions `[name]: target`, outside code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
  const definitions = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1]);
  return [...inline, ...definitions];
}

/** Paths written as code that name a Markdown file, such as `../shared/ARCHITECTURE.md`. */
function codePaths(markdown: string): string[] {
  return [...markdown.matchAll(/`((?:\.{1,2}\/|\/)[^`\s]*\.md)`/g)].map((match) => match[1]);
}

const isWeb = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** Why a target does not resolve inside the repository, or undefined when it does. */
function problemOf(file: string, target: string, root = ROOT): string | undefined {
  const path = target.split('#')[0];
  if (path === '') return undefined; // an anchor in the same file
  if (isAbsolute(path)) return 'is an absolute path';
  const resolved = resolve(dirname(file), decodeURI(path));
  if (relative(root, resolved).startsWith('..')) return 'leaves the repository';
  if (!existsSync(resolved)) return 'names no file of the repository';
  return undefined;
}

const files = markdownFiles(ROOT);
const fileNames = new Set(files.map((file) => file.slice(file.lastIndexOf('/') + 1)));
const documentation = files.filter((file) => file === join(ROOT, 'README.md') || file.startsWith(join(ROOT, 'docs') + '/'));

describe('links in the documentation', () => {
  it('finds the root README and the docs/ pages', () => {
    expect(documentation).toContain(join(ROOT, 'README.md'));
    expect(documentation.length).toBeGreaterThanOrEqual(5);
  });

  it('the root README links to every page of docs/', () => {
    const linked = new Set(linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((target) => resolve(ROOT, target.split('#')[0])));
    expect(documentation.filter((file) => file.startsWith(join(ROOT, 'docs')) && !linked.has(file)).map((file) => relative(ROOT, file))).toEqual([]);
  });

  it.each(files.map((file) => [relative(ROOT, file), file]))('%s: every relative link and path resolves inside the repository', (_name, file) => {
    const markdown = readFileSync(file, 'utf8');
    const targets = [...linkTargets(markdown).filter((target) => !isWeb(target)), ...codePaths(markdown)];
    const problems = targets.flatMap((target) => {
      const problem = problemOf(file, target);
      return problem === undefined ? [] : [`${target} ${problem}`];
    });
    expect(problems).toEqual([]);
    expect(markdown).not.toMatch(/\/work\//);
    // Pages named without a path, such as CONSENT.md: the repository must have a file of that name.
    expect([...markdown.matchAll(/\b[A-Z][A-Z_]+\.md\b/g)].map((match) => match[0]).filter((name) => !fileNames.has(name))).toEqual([]);
  });

  it.each(documentation.map((file) => [relative(ROOT, file), file]))('%s: every source file it names in code exists', (_name, file) => {
    // Repository paths such as `libs/crypto/src/pseudonym.ts` or `test/e2e/ledger.e2e.spec.ts`; templates with <…> are skipped.
    const named = [...readFileSync(file, 'utf8').matchAll(/`([a-z][\w.-]*\/[\w./-]*\.(?:ts|js|sh|ya?ml|json))`/g)].map((match) => match[1]);
    expect(named.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it.each(documentation.map((file) => [relative(ROOT, file), file]))('%s: no link leaves the repository for the web', (_name, file) => {
    expect(linkTargets(readFileSync(file, 'utf8')).filter(isWeb)).toEqual([]);
  });

  it.each<[string, string, string, string | undefined]>([
    ['a page that does not exist', 'docs/a.md', 'missing.md', 'names no file of the repository'],
    ['a page outside the clone', 'README.md', '../shared/ARCHITECTURE.md', 'leaves the repository'],
    ['an absolute path', 'README.md', '/work/shared/CONSENT.md', 'is an absolute path'],
    ['a file of the repository, with an anchor', 'README.md', 'package.json#scripts', undefined],
    ['an anchor of the same page', 'README.md', '#layout', undefined],
  ])('judges %s', (_name, from, target, problem) => {
    expect(problemOf(join(ROOT, from), target)).toBe(problem);
  });

  it('reads inline links and definitions, not code', () => {
    const markdown = 'See [a](docs/a.md) and [b][ref].\n\n[ref]: <docs/b.md>\n\n`[c](docs/c.md)`\n```\n[d](d.md)\n```\nand `../x/y.md`';
    expect(linkTargets(markdown)).toEqual(['docs/a.md', 'docs/b.md']);
    expect(codePaths(markdown)).toEqual(['../x/y.md']);
  });
});
