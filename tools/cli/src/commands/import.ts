// `medshare import FILE...`: bulk-imports NDJSON files through ingestion's $import as ONE job (streamed from disk,
// never read whole), so a record whose Patient or referenced resource is in a later file (a bulk export's per-type
// files, Condition.ndjson before Patient.ndjson) is accepted. It polls the status URL with a progress bar and
// writes each file's refused lines' OperationOutcomes next to it (FILE.outcomes.ndjson, line numbers of that file).
// Exit 0 when every line was accepted, 1 when any was refused or the job failed.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { parseFlags, type CommandIo } from '../io';

const usage = [
  'usage: medshare import FILE... --institution ID [--poll-ms N]',
  'environment: INGESTION_URL (default http://127.0.0.1:3001); MEDSHARE_TOKEN, else a DEV token of --institution from the dev keyring',
].join('\n');

interface ImportStatus {
  state: 'running' | 'done' | 'failed';
  size: number;
  bytesDone: number;
  linesRead: number;
  linesAccepted: number;
  linesRefused: number;
  linesWaiting?: number;
  error?: { url: string; count: number }[];
}

/** One file of the job: its lines are the job's lines `first` to `first + lines - 1`. */
interface FilePart {
  file: string;
  size: number;
  /** The file does not end with a line break: one is sent after it, so its last line stays its own. */
  newlineAfter: boolean;
  first: number;
  lines: number;
}

export async function importCommand(args: string[], io: CommandIo): Promise<number> {
  const { flags, positionals, error } = parseFlags(args, ['institution', 'poll-ms'], { positionals: true });
  const pollMs = Number(flags['poll-ms'] ?? 500);
  if (error !== undefined || positionals.length === 0 || (flags.institution === undefined && process.env.MEDSHARE_TOKEN === undefined) || !(pollMs > 0)) {
    io.err(error ?? usage);
    if (error !== undefined) io.err(usage);
    return 2;
  }
  const baseUrl = process.env.INGESTION_URL ?? 'http://127.0.0.1:3001';
  const token = process.env.MEDSHARE_TOKEN ?? devToken(flags.institution as string);
  const status = await importFiles(baseUrl, token, positionals, pollMs, io);
  return status.state !== 'done' || status.linesRefused > 0 ? 1 : 0;
}

async function importFiles(baseUrl: string, token: string, files: string[], pollMs: number, io: CommandIo): Promise<ImportStatus> {
  const headers = { authorization: `Bearer ${token}` };
  const parts = await Promise.all(files.map(filePart));
  const label = files.length === 1 ? files[0] : `${files.length} files`;
  const started = await fetch(`${baseUrl}/fhir/R4/$import`, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/fhir+ndjson',
      'content-length': String(parts.reduce((sum, part) => sum + part.size + (part.newlineAfter ? 1 : 0), 0)),
    },
    body: Readable.toWeb(Readable.from(concatenated(parts))) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const location = started.headers.get('content-location');
  if (started.status !== 202 || location === null) throw new Error(`${label}: $import answered ${started.status} ${await started.text()}`);
  let status: ImportStatus;
  for (;;) {
    const answer = await fetch(`${baseUrl}${location}`, { headers });
    if (answer.status !== 200 && answer.status !== 202) throw new Error(`${label}: status answered ${answer.status}`);
    status = (await answer.json()) as ImportStatus;
    if (process.stderr.isTTY) process.stderr.write(`\r${progressBar(label, status)}`);
    if (answer.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  io.out(`${progressBar(label, status)} ${status.state}`);
  const errors = status.error?.[0];
  if (errors !== undefined && errors.count > 0) {
    const outcomes = await fetch(`${baseUrl}${errors.url}`, { headers });
    for (const [file, count] of await writeOutcomes(Readable.fromWeb(outcomes.body as never), parts)) {
      io.out(`${file}: ${count} refused lines' OperationOutcomes in ${file}.outcomes.ndjson`);
    }
  }
  return status;
}

async function filePart(file: string): Promise<FilePart> {
  const { size } = await stat(file);
  const handle = await open(file, 'r');
  const last = Buffer.alloc(1);
  try {
    if (size > 0) await handle.read(last, 0, 1, size - 1);
  } finally {
    await handle.close();
  }
  return { file, size, newlineAfter: size > 0 && last[0] !== 0x0a, first: 0, lines: 0 };
}

/** The files one after another, each ending with a line break; counts each file's lines as they pass. */
async function* concatenated(parts: FilePart[]): AsyncGenerator<Buffer> {
  let next = 1;
  for (const part of parts) {
    part.first = next;
    for await (const piece of createReadStream(part.file) as AsyncIterable<Buffer>) {
      for (let at = piece.indexOf(0x0a); at !== -1; at = piece.indexOf(0x0a, at + 1)) part.lines += 1;
      yield piece;
    }
    if (part.newlineAfter) {
      part.lines += 1;
      yield Buffer.from('\n');
    }
    next += part.lines;
  }
}

/** Each outcome goes to its file's FILE.outcomes.ndjson, its `line N` turned into the line number in that file. */
async function writeOutcomes(outcomes: Readable, parts: readonly FilePart[]): Promise<Map<string, number>> {
  const targets = new Map<string, WriteStream>();
  const counts = new Map<string, number>();
  for await (const text of createInterface({ input: outcomes, crlfDelay: Infinity })) {
    if (text.trim() === '') continue;
    const outcome = JSON.parse(text) as { issue?: { diagnostics?: string }[] };
    const line = Number(/^line (\d+),/.exec(outcome.issue?.[0]?.diagnostics ?? '')?.[1]);
    const part = parts.find((candidate) => line >= candidate.first && line < candidate.first + candidate.lines) ?? parts[parts.length - 1];
    for (const entry of outcome.issue ?? []) entry.diagnostics = entry.diagnostics?.replace(/^line \d+,/, `line ${line - part.first + 1},`);
    let target = targets.get(part.file);
    if (target === undefined) {
      target = createWriteStream(`${part.file}.outcomes.ndjson`);
      targets.set(part.file, target);
    }
    const written = target;
    if (!written.write(`${JSON.stringify(outcome)}\n`)) await new Promise<void>((resolve) => written.once('drain', () => resolve()));
    counts.set(part.file, (counts.get(part.file) ?? 0) + 1);
  }
  await Promise.all([...targets.values()].map((target) => new Promise<void>((resolve) => target.end(() => resolve()))));
  return counts;
}

export function progressBar(
  label: string,
  status: Pick<ImportStatus, 'size' | 'bytesDone' | 'linesRead' | 'linesAccepted' | 'linesRefused' | 'linesWaiting'>,
): string {
  const share = status.size === 0 ? 1 : status.bytesDone / status.size;
  const filled = Math.round(share * 30);
  const waiting = (status.linesWaiting ?? 0) > 0 ? `, ${status.linesWaiting} waiting for a later pass` : '';
  return `${label} [${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ${Math.floor(share * 100)}% lines ${status.linesRead}: ${status.linesAccepted} accepted, ${status.linesRefused} refused${waiting}`;
}

function devToken(institution: string): string {
  const keys = new PlatformKeys(platformKeysSchema.parse(process.env));
  if (!keys.institutions.includes(institution)) throw new Error(`unknown institution ${institution}; known: ${keys.institutions.join(', ')}`);
  return issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 3600 });
}
