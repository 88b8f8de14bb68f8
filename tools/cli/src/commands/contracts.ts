// `medshare contracts`: writes docs/contracts/ (JSON Schema of every event type and version, the AsyncAPI
// document of the bus, the OpenAPI document of every service) from libs/contracts, refusing a breaking change to a published event version;
// `contracts check` (run by `npm run lint`) compares only.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  asyncApiDocument,
  breakingChanges,
  eventJsonSchema,
  eventSchemaFile,
  eventTypes,
  httpApis,
  openApiDocument,
  type JsonSchema,
} from '@medshare/contracts';
import type { CommandIo } from '../io';
import { repoRoot } from '../repo';

export const CONTRACTS_FOLDER = 'docs/contracts';
/** The generated sub-folders: every file in them is the generator's (README.md beside them is written by hand). */
const GENERATED_FOLDERS = ['events', 'openapi'];

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Every generated file by its path under docs/contracts/. */
export function renderContracts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const type of eventTypes) files.set(eventSchemaFile(type), json(eventJsonSchema(type)));
  files.set('asyncapi.json', json(asyncApiDocument()));
  for (const api of httpApis) files.set(`openapi/${api.service}.json`, json(openApiDocument(api)));
  return files;
}

/** The files now under docs/contracts/ that the generator owns (stale ones included). */
async function committedFiles(folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const read = async (path: string) => files.set(path, await readFile(join(folder, path), 'utf8'));
  await read('asyncapi.json').catch(() => undefined);
  for (const sub of GENERATED_FOLDERS) {
    const names = await readdir(join(folder, sub)).catch(() => [] as string[]);
    for (const name of names) await read(`${sub}/${name}`);
  }
  return files;
}

/**
 * What the generated event schemas refuse that the committed (published) ones accept: a removed version, a removed
 * or renamed field, a new required field, a narrowed type. Such a change needs a new event version.
 */
export function publishedBreaks(committed: Map<string, string>, generated: Map<string, string>): string[] {
  const breaks: string[] = [];
  for (const [path, text] of committed) {
    if (!path.startsWith('events/')) continue;
    const current = generated.get(path);
    if (current === undefined) {
      breaks.push(`${path}: the published event version is gone from libs/contracts`);
      continue;
    }
    const published = JSON.parse(text) as JsonSchema;
    for (const { path: at, change } of breakingChanges(published, JSON.parse(current) as JsonSchema)) breaks.push(`${path} ${at}: ${change}`);
  }
  return breaks;
}

export async function contractsCommand(args: string[], io: CommandIo, root = repoRoot): Promise<number> {
  const check = args.length === 1 && args[0] === 'check';
  if (args.length > 0 && !check) {
    io.err(`usage: medshare contracts [check]   (writes ${CONTRACTS_FOLDER}/ from libs/contracts; check: compare only)`);
    return 2;
  }
  const folder = join(root, CONTRACTS_FOLDER);
  const generated = renderContracts();
  const committed = await committedFiles(folder);
  const breaks = publishedBreaks(committed, generated);
  if (breaks.length > 0) {
    io.err(
      `breaking changes to published event versions (publish a new version instead, e.g. .v2, with an upcaster where readers need one):\n  ${breaks.join('\n  ')}`,
    );
    return 1;
  }
  const differing = [...new Set([...generated.keys(), ...committed.keys()])].filter((path) => generated.get(path) !== committed.get(path)).sort();
  if (check) {
    if (differing.length === 0) return 0;
    io.err(`${CONTRACTS_FOLDER}/ is not what the code says (${differing.join(', ')}): run npm run build && npx medshare contracts`);
    return 1;
  }
  for (const path of differing) {
    const text = generated.get(path);
    if (text === undefined) {
      await rm(join(folder, path));
      continue;
    }
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), text);
  }
  io.out(`wrote ${CONTRACTS_FOLDER}/ (${differing.length} file(s) changed)`);
  return 0;
}
