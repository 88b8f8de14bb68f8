// The medshare-verify auditor CLI: dispatches to one module per subcommand, listed in COMMANDS.
import { ExitCode, parseFlags, UsageError, type CliIo, type Command } from './cli';
import { bundleCommand } from './commands/bundle';
import { consistencyCommand } from './commands/consistency';
import { disclosuresCommand } from './commands/disclosures';
import { exportCommand } from './commands/export';
import { fileCommand } from './commands/file';
import { inclusionCommand } from './commands/inclusion';
import { replicaCommand } from './commands/replica';
import { rootCommand } from './commands/root';

const PROGRAM = 'medshare-verify';

// A new subcommand is a module under commands/ plus one entry here.
const COMMANDS: readonly Command<string, string>[] = [
  rootCommand,
  inclusionCommand,
  consistencyCommand,
  bundleCommand,
  disclosuresCommand,
  replicaCommand,
  fileCommand,
  exportCommand,
];

const HELP_FLAGS = new Set(['--help', '-h']);

/** Runs the CLI on argv (without node and script) and returns the exit code; never throws. */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr.write(programHelp());
    return ExitCode.Usage;
  }
  if (HELP_FLAGS.has(name) || name === 'help') {
    io.stdout.write(programHelp());
    return ExitCode.Valid;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr.write(`${PROGRAM}: unknown command ${JSON.stringify(name)}\nRun '${PROGRAM} --help' for the commands.\n`);
    return ExitCode.Usage;
  }
  if (args.some((arg) => HELP_FLAGS.has(arg))) {
    io.stdout.write(commandHelp(command));
    return ExitCode.Valid;
  }
  try {
    return await command.run(parseFlags(command, args), io);
  } catch (error) {
    // Anything else is also "could not check", never a verdict: exit 1 must only ever mean invalid.
    const message = error instanceof UsageError ? error.message : `error: ${(error as Error).message}`;
    io.stderr.write(`${PROGRAM} ${command.name}: ${message}\nRun '${PROGRAM} ${command.name} --help' for usage.\n`);
    return ExitCode.Usage;
  }
}

/** Entry point of bin/medshare-verify.js. */
export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}

function programHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    `${PROGRAM}: check medshare ledger proofs, trusting nothing but the ledger public key`,
    '',
    `Usage: ${PROGRAM} <command> [--flag value ...]`,
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Exit status: 0 valid, 1 invalid, 2 usage error or unreadable input.',
    `Run '${PROGRAM} <command> --help' for the flags of a command.`,
    '',
  ].join('\n');
}

function commandHelp(command: Command<string, string>): string {
  const required = Object.entries(command.flags).map(([name, spec]) => ({ label: `--${name} ${spec.value}`, spec }));
  const optional = Object.entries(command.optionalFlags ?? {}).map(([name, spec]) => ({
    label: `[--${name} ${spec.value}]`,
    spec: { ...spec, description: `optional: ${spec.description}` },
  }));
  const flags = [...required, ...optional];
  const width = Math.max(...flags.map(({ label }) => label.length));
  return [
    `Usage: ${PROGRAM} ${command.name} ${flags.map(({ label }) => label).join(' ')}`,
    '',
    `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`,
    '',
    'Flags (required unless marked optional; --flag=value works too):',
    ...flags.map(({ label, spec }) => `  ${label.padEnd(width)}  ${spec.description}`),
    '',
    'Example:',
    `  ${command.example}`,
    '',
    'Exit status: 0 valid, 1 invalid, 2 usage error or unreadable input.',
    '',
  ].join('\n');
}
