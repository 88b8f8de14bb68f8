// What a command writes to, injectable so commands are testable without a terminal; how it reads its flags.
import { parseArgs } from 'node:util';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export type Command = (args: string[], io: CommandIo) => Promise<number>;

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export interface ParsedFlags {
  flags: Record<string, string>;
  positionals: string[];
  /** node:util's own message (names the unknown option or the stray argument); the command exits 2. */
  error?: string;
}

/** `--name value` or `--name=value` for the known names, each a string; anything else is a usage error. */
export function parseFlags(args: string[], known: readonly string[], { positionals = false } = {}): ParsedFlags {
  try {
    const parsed = parseArgs({
      args,
      options: Object.fromEntries(known.map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: positionals,
    });
    return { flags: parsed.values as Record<string, string>, positionals: parsed.positionals };
  } catch (error) {
    return { flags: {}, positionals: [], error: error instanceof Error ? error.message : String(error) };
  }
}
