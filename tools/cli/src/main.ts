// `npx medshare`: one operator CLI for the platform; each command is a module under commands/.
import { processIo, type Command, type CommandIo } from './io';
import { aclsCommand } from './commands/acls';
import { analystCredentialsCommand } from './commands/analyst-credentials';
import { contractsCommand } from './commands/contracts';
import { demoCommand } from './commands/demo';
import { docsCommand } from './commands/docs';
import { importCommand } from './commands/import';
import { infraCommand } from './commands/infra';
import { keysCommand } from './commands/keys';
import { statusCommand } from './commands/status';
import { tokenCommand } from './commands/token';
import { topicsCommand } from './commands/topics';

interface CommandEntry {
  run: Command;
  summary: string;
}

export const commands: Record<string, CommandEntry> = {
  infra: { run: infraCommand, summary: 'infra up|down|status        start, stop or show the native Kafka and PostgreSQL servers' },
  topics: { run: topicsCommand, summary: 'topics create|list           create the registry topics on the broker, or list them' },
  acls: {
    run: aclsCommand,
    summary: 'acls apply|list|strimzi      apply (as the operator) or print the Kafka ACLs generated from the registry, or as Strimzi KafkaUsers',
  },
  'analyst-credentials': {
    run: analystCredentialsCommand,
    summary: "analyst-credentials --institution ID   DEV: a Kafka user for that institution's analysts, reading only its audit topic",
  },
  keys: { run: keysCommand, summary: 'keys status|rotate-kek|rotate-sealing|shred PSEUDONYM --reason T   key lifecycle (encryption service)' },
  status: { run: statusCommand, summary: 'status                       readiness of the five services' },
  demo: { run: demoCommand, summary: 'demo [--rate N] [--duration S]   synthetic hospital traffic against the running platform' },
  import: { run: importCommand, summary: 'import FILE... --institution ID   bulk-import NDJSON through $import, with a progress bar' },
  token: { run: tokenCommand, summary: 'token --institution ID [--practitioner ID] [--role ROLE] [--ttl S]   a DEV bearer token' },
  contracts: {
    run: (args, io) => contractsCommand(args, io),
    summary: 'contracts [check]            write (or compare) docs/contracts/: event JSON Schemas, AsyncAPI, OpenAPI',
  },
  docs: { run: docsCommand, summary: 'docs [check]                 write (or compare) docs/events.md from the topic registry and schemas' },
};

export function helpText(): string {
  return [
    'medshare: operator CLI (run from the repository root after `npm ci`)',
    '',
    'usage: npx medshare <command> [arguments]',
    '',
    ...Object.values(commands).map((command) => `  ${command.summary}`),
    '',
    'Environment: KAFKA_BROKERS, KAFKA_SECURITY & co. (default: .data/kafka/client.env), <SERVICE>_URL (e.g. LEDGER_URL), MEDSHARE_DEV_SEED / key variables as the services read them.',
  ].join('\n');
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(helpText());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.err(`unknown command ${name}\n\n${helpText()}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    io.err(`medshare ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

export function main(): void {
  void run(process.argv.slice(2), processIo).then((code) => {
    process.exitCode = code;
  });
}
