// The event catalogue in docs/ is what libs/contracts says: regenerate it with `npx medshare docs`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventSchemas } from '@medshare/contracts';
import { docsCommand, EVENT_CATALOGUE, renderEventCatalogue } from './docs';

const ROOT = join(__dirname, '../../../..');

describe('docs/events.md', () => {
  const rendered = renderEventCatalogue();

  it('is what `npx medshare docs` writes from the topic registry and schemas (run it after changing libs/contracts)', () => {
    expect(readFileSync(join(ROOT, EVENT_CATALOGUE), 'utf8')).toBe(rendered);
  });

  it.each<[string, string[], number]>([
    ['`docs check` passes the committed catalogue', ['check'], 0],
    ['anything else after docs is a usage error', ['--check'], 2],
  ])('%s', async (_name, args, code) => {
    const err: string[] = [];
    expect(await docsCommand(args, { out: () => undefined, err: (text) => err.push(text) })).toBe(code);
    expect(err.length > 0).toBe(code !== 0);
  });

  it('has a section for every event type and a row for every topic', () => {
    for (const type of Object.keys(eventSchemas)) expect(rendered).toContain(`### \`${type}\``);
    expect(rendered).toContain('| `medshare.deadletter.v1` |');
  });

  it('describes fields from the schemas, nested ones included', () => {
    expect(rendered).toMatch(/\| `records\[\]\.recordId` \| string \(1–64 chars\) \| yes \|/);
    expect(rendered).toMatch(/\| `patient` \| patient pseudonym \(p-…\) \| yes \|/);
  });
});
