// `medshare import FILE...`: bulk-imports NDJSON files through ingestion's $import (streamed from disk, never read
// whole), polls each job's status URL with a progress bar, and writes the refused lines' OperationOutcomes next to
// the file (FILE.outcomes.ndjson). Exit 0 when every line was accepted, 1 when any was refused or a job failed.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  error?: { url: string; count: number }[];
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
  let failed = false;
  for (const file of positionals) {
    const status = await importFile(baseUrl, token, file, pollMs, io);
    failed ||= status.state !== 'done' || status.linesRefused > 0;
  }
  return failed ? 1 : 0;
}

async function importFile(baseUrl: string, token: string, file: string, pollMs: number, io: CommandIo): Promise<ImportStatus> {
  const headers = { authorization: `Bearer ${token}` };
  const started = await fetch(`${baseUrl}/fhir/R4/$import`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/fhir+ndjson', 'content-length': String((await stat(file)).size) },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const location = started.headers.get('content-location');
  if (started.status !== 202 || location === null) throw new Error(`${file}: $import answered ${started.status} ${await started.text()}`);
  let status: ImportStatus;
  for (;;) {
    const answer = await fetch(`${baseUrl}${location}`, { headers });
    if (answer.status !== 200 && answer.status !== 202) throw new Error(`${file}: status answered ${answer.status}`);
    status = (await answer.json()) as ImportStatus;
    if (process.stderr.isTTY) process.stderr.write(`\r${progressBar(file, status)}`);
    if (answer.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  io.out(`${progressBar(file, status)} ${status.state}`);
  const errors = status.error?.[0];
  if (errors !== undefined && errors.count > 0) {
    const outcomes = await fetch(`${baseUrl}${errors.url}`, { headers });
    const target = `${file}.outcomes.ndjson`;
    await pipeline(Readable.fromWeb(outcomes.body as never), createWriteStream(target));
    io.out(`${file}: ${errors.count} refused lines' OperationOutcomes in ${target}`);
  }
  return status;
}

export function progressBar(file: string, status: Pick<ImportStatus, 'size' | 'bytesDone' | 'linesRead' | 'linesAccepted' | 'linesRefused'>): string {
  const share = status.size === 0 ? 1 : status.bytesDone / status.size;
  const filled = Math.round(share * 30);
  return `${file} [${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ${Math.floor(share * 100)}% lines ${status.linesRead}: ${status.linesAccepted} accepted, ${status.linesRefused} refused`;
}

function devToken(institution: string): string {
  const keys = new PlatformKeys(platformKeysSchema.parse(process.env));
  if (!keys.institutions.includes(institution)) throw new Error(`unknown institution ${institution}; known: ${keys.institutions.join(', ')}`);
  return issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 3600 });
}
