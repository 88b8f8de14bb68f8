// What a command writes to, injectable so commands are testable without a terminal.
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export type Command = (args: string[], io: CommandIo) => Promise<number>;

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** `--name value` pairs; a flag without a value or an unknown flag is a usage error (exit 2). */
export function parseFlags(args: string[], known: readonly string[]): { flags: Record<string, string>; error?: string } {
  const flags: Record<string, string> = {};
  for (let index = 0; index < args.length; index += 2) {
    const name = args[index];
    if (!name.startsWith('--') || !known.includes(name.slice(2))) return { flags, error: `unknown argument ${name}` };
    const value = args[index + 1];
    if (value === undefined) return { flags, error: `${name} needs a value` };
    flags[name.slice(2)] = value;
  }
  return { flags };
}
