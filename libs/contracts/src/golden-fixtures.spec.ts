// A published event version is frozen: every version's golden fixture under test/fixtures/events/<type>/<version>/
// must keep validating, and every event type must have one.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventSchemas } from './event-types';
import { validateEvent } from './validate';

const root = resolve(__dirname, '../../../test/fixtures/events');

function fixtureFiles(): Array<[string, string]> {
  return readdirSync(root).flatMap((name) =>
    readdirSync(resolve(root, name)).flatMap((version) =>
      readdirSync(resolve(root, name, version)).map((file) => [`${name}.${version}`, resolve(root, name, version, file)] as [string, string]),
    ),
  );
}

describe('golden event fixtures', () => {
  it('exist for every event type in the catalogue', () => {
    const covered = new Set(fixtureFiles().map(([type]) => type));
    expect(Object.keys(eventSchemas).filter((type) => !covered.has(type))).toEqual([]);
  });

  it.each(fixtureFiles())('%s fixture %s still validates', (type, file) => {
    const result = validateEvent(JSON.parse(readFileSync(file, 'utf8')));
    expect(result).toMatchObject({ ok: true, event: { type } });
  });
});
