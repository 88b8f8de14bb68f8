// docs/operations.md's scaling table says what each app's package.json declares (the declaration that
// infra/check-packaging.js holds the manifests to), so the page cannot promise another way to scale.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

const declared = Object.fromEntries(
  readdirSync(join(ROOT, 'apps')).map((app) => [
    app,
    (JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { medshare?: { scaling?: string } }).medshare?.scaling,
  ]),
);

it('docs/operations.md gives every app the scaling its package.json declares', () => {
  const page = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
  const documented = Object.fromEntries(
    [...page.matchAll(/^\| ([a-z-]+) \| (scale-out|single-instance|active-standby) \|/gm)].map((match) => [match[1], match[2]]),
  );
  expect(documented).toEqual(declared);
});
