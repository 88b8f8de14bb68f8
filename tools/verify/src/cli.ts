// What every medshare-verify subcommand shares: the command shape, flag parsing, strict flag values,
// exit codes and verdict reporting.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { decodeHex, HASH_SIZE, parsePublicKey, type Verdict } from '@medshare/merkle';

/** 0: the proof holds. 1: it does not. 2: the check could not be run (usage or unreadable input). */
export const ExitCode = { Valid: 0, Invalid: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface TextSink {
  write(text: string): unknown;
}

/** Where a command writes; injected so tests can run commands in-process. */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
}

export interface FlagSpec {
  /** Placeholder for the value in help text, e.g. HEX or N. */
  value: string;
  description: string;
}

/** A subcommand: its required flags, its optional ones, and what it does with their values. */
export interface Command<Flag extends string = string, Optional extends string = never> {
  name: string;
  summary: string;
  flags: Record<Flag, FlagSpec>;
  optionalFlags?: Record<Optional, FlagSpec>;
  example: string;
  run(values: Record<Flag, string> & Partial<Record<Optional, string>>, io: CliIo): Promise<ExitCode>;
}

/** A mistake in how the CLI was called or in the input it was pointed at; exits with 2. */
export class UsageError extends Error {}

// A flag name; values never look like this, while an inline PEM key starts with "-----".
const FLAG_NAME = /^--[a-z]/;

/** Reads "--name value" and "--name=value" pairs; every required flag must appear exactly once, an optional one at most once. */
export function parseFlags(command: Command<string, string>, args: readonly string[]): Record<string, string> {
  const declared: Record<string, FlagSpec> = { ...command.flags, ...command.optionalFlags };
  // node:util tokenises; the rules are ours. Not strict: strict parseArgs refuses any value that starts with
  // "-", and an inline PEM key does.
  const { tokens } = parseArgs({
    args: [...args],
    options: Object.fromEntries(Object.keys(declared).map((name) => [name, { type: 'string' as const }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !token.rawName.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(args[token.index])}`);
    const spec = Object.hasOwn(declared, token.name) ? declared[token.name] : undefined;
    if (spec === undefined) throw new UsageError(`unknown flag --${token.name} for ${command.name}`);
    if (values.has(token.name)) throw new UsageError(`--${token.name} is given twice`);
    // Without "=", parseArgs takes the next argument as the value even when it is the next flag.
    if (token.value === undefined || (!token.inlineValue && FLAG_NAME.test(token.value))) throw new UsageError(`--${token.name} needs a value: ${spec.value}`);
    values.set(token.name, token.value);
  }
  const missing = Object.keys(command.flags).filter((name) => !values.has(name));
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((name) => `--${name}`).join(', ')}`);
  return Object.fromEntries(values);
}

/** A tree size or leaf index: decimal digits only, within JavaScript's safe integers. */
export function parseCount(flag: string, text: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new UsageError(`--${flag} must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** One SHA-256 hash as 64 hex digits. */
export function parseHash(flag: string, text: string): Buffer {
  const bytes = decodeHex(text);
  if (bytes?.length !== HASH_SIZE) {
    throw new UsageError(`--${flag} must be ${HASH_SIZE * 2} hex digits, got ${JSON.stringify(text)}`);
  }
  return bytes;
}

/** Comma-separated hashes; the empty string is the empty list, which many valid proofs are. */
export function parseHashList(flag: string, text: string): Buffer[] {
  if (text === '') return [];
  return text.split(',').map((item, i) => parseHash(`${flag}[${i}]`, item.trim()));
}

/** Reads and parses the JSON file a flag names; an unreadable or non-JSON file is a usage error. */
export async function readJsonFile(flag: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${flag}: ${path} is not JSON`);
  }
}

/** Prints "valid" and the details, or "invalid: <reason>", and gives the matching exit code. */
export function report(io: CliIo, verdict: Verdict, details: readonly string[]): ExitCode {
  if (!verdict.ok) {
    io.stdout.write(`invalid: ${verdict.reason}\n`);
    return ExitCode.Invalid;
  }
  io.stdout.write(['valid', ...details].map((line) => `${line}\n`).join(''));
  return ExitCode.Valid;
}

/** The ledger's Ed25519 public key: inline PEM or base64 of the raw 32 bytes, or a file holding either. */
export async function loadPublicKey(value: string): Promise<KeyObject> {
  try {
    return parsePublicKey(value);
  } catch (inlineError) {
    if (value.includes('-----BEGIN')) throw new UsageError(`--public-key: ${(inlineError as Error).message}`);
  }
  let text: string;
  try {
    text = await readFile(value, 'utf8');
  } catch {
    throw new UsageError('--public-key: neither an Ed25519 key (PEM, or base64 of 32 bytes) nor a readable file');
  }
  try {
    return parsePublicKey(text);
  } catch (error) {
    throw new UsageError(`--public-key: ${value}: ${(error as Error).message}`);
  }
}

/** A postgres:// URL and how reports name it (host:port/database, never the credentials). */
export function parseDatabaseUrl(text: string): { url: string; where: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--url must be a postgres:// connection string');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new UsageError('--url must be a postgres:// connection string');
  return { url: text, where: `${url.hostname}:${url.port || '5432'}${url.pathname}` };
}
