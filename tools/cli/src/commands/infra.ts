// `medshare infra up|down|status`: the native Kafka and PostgreSQL servers of infra/.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { CommandIo } from '../io';
import { repoRoot } from '../repo';

const scripts: Record<string, string[][]> = {
  up: [['infra/up.sh']],
  down: [['infra/down.sh']],
  status: [
    ['infra/kafka/kafka.sh', 'status'],
    ['infra/postgres/postgres.sh', 'status'],
  ],
};

export async function infraCommand(args: string[], io: CommandIo): Promise<number> {
  const steps = scripts[args[0] ?? ''];
  if (steps === undefined || args.length > 1) {
    io.err('usage: medshare infra up|down|status');
    return 2;
  }
  let status = 0;
  for (const [script, ...scriptArgs] of steps) {
    const result = spawnSync('bash', [resolve(repoRoot, script), ...scriptArgs], { stdio: 'inherit' });
    if (result.status !== 0) status = 1;
  }
  return status;
}
