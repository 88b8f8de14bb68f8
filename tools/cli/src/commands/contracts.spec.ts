// docs/contracts/ is what libs/contracts generates, the AsyncAPI document is valid, the JSON Schemas accept the
// golden events, and a breaking change to a published event version is refused.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { eventSchemaFile, eventTypes } from '@medshare/contracts';
import { CONTRACTS_FOLDER, contractsCommand, renderContracts } from './contracts';

const ROOT = join(__dirname, '../../../..');
const FIXTURES = join(ROOT, 'test/fixtures/events');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) }, out, err };
}

describe('docs/contracts', () => {
  const generated = renderContracts();

  it('is what `npx medshare contracts` writes from libs/contracts (run it after changing a schema or the registry)', () => {
    for (const [path, text] of generated) expect([path, readFileSync(join(ROOT, CONTRACTS_FOLDER, path), 'utf8')]).toEqual([path, text]);
  });

  it.each<[string, string[], number]>([
    ['`contracts check` passes the committed files', ['check'], 0],
    ['anything else after contracts is a usage error', ['--check'], 2],
  ])('%s', async (_name, args, code) => {
    const { io, err } = capture();
    expect(await contractsCommand(args, io)).toBe(code);
    expect(err.length > 0).toBe(code !== 0);
  });

  it('holds an AsyncAPI document that @asyncapi/parser finds no error in', async () => {
    const diagnostics = await new Parser().validate(generated.get('asyncapi.json') ?? '');
    // Severity 0 is an error; 2 is the advice to move to AsyncAPI 3.1.
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 0).map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`)).toEqual(
      [],
    );
    expect(diagnostics.length).toBeGreaterThan(0);
  });

  it('has a JSON Schema (draft 2020-12) per event type that accepts its golden fixtures and refuses a changed type', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const type of eventTypes) {
      const validate = ajv.compile(JSON.parse(generated.get(eventSchemaFile(type)) ?? '{}'));
      const [name, version] = [type.slice(0, type.lastIndexOf('.')), type.slice(type.lastIndexOf('.') + 1)];
      const folder = join(FIXTURES, name, version);
      for (const file of readdirSync(folder)) {
        const event = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, unknown>;
        expect([type, file, validate(event), validate.errors ?? []]).toEqual([type, file, true, []]);
        expect([type, file, validate({ ...event, type: 'other.type.v1' })]).toEqual([type, file, false]);
      }
    }
  });

  describe('a breaking change to a published event version', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'medshare-contracts-'));
      cpSync(join(ROOT, CONTRACTS_FOLDER), join(root, CONTRACTS_FOLDER), { recursive: true });
      // As if the published version had a field the code has since dropped: the code's schema is the breaking change.
      const file = join(root, CONTRACTS_FOLDER, eventSchemaFile('keys.patient-shredded.v1'));
      const schema = JSON.parse(readFileSync(file, 'utf8'));
      schema.properties.data.properties.ticket = { type: 'string' };
      writeFileSync(file, JSON.stringify(schema));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it.each([['check'], []])('fails `contracts %s`, naming the field, and writes nothing', async (...args: string[]) => {
      const before = readFileSync(join(root, CONTRACTS_FOLDER, eventSchemaFile('keys.patient-shredded.v1')), 'utf8');
      const { io, err } = capture();
      expect(await contractsCommand(args, io, root)).toBe(1);
      expect(err.join('\n')).toContain('events/keys.patient-shredded.v1.schema.json $.data.ticket: field removed or renamed');
      expect(readFileSync(join(root, CONTRACTS_FOLDER, eventSchemaFile('keys.patient-shredded.v1')), 'utf8')).toBe(before);
    });
  });
});
