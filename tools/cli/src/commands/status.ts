// `medshare status`: readiness of each service, as its /health/ready answers.
import type { CommandIo } from '../io';

export const servicePorts: Record<string, string> = {
  ingestion: process.env.INGESTION_URL ?? 'http://127.0.0.1:3001',
  encryption: process.env.ENCRYPTION_URL ?? 'http://127.0.0.1:3002',
  'access-control': process.env.ACCESS_CONTROL_URL ?? 'http://127.0.0.1:3003',
  ledger: process.env.LEDGER_URL ?? 'http://127.0.0.1:3004',
  governance: process.env.GOVERNANCE_URL ?? 'http://127.0.0.1:3005',
};

export async function statusCommand(args: string[], io: CommandIo): Promise<number> {
  if (args.length > 0) {
    io.err('usage: medshare status');
    return 2;
  }
  let allReady = true;
  for (const [service, baseUrl] of Object.entries(servicePorts)) {
    const state = await readiness(baseUrl);
    allReady &&= state === 'ready';
    io.out(`${service.padEnd(15)} ${baseUrl.padEnd(24)} ${state}`);
  }
  return allReady ? 0 : 1;
}

async function readiness(baseUrl: string): Promise<string> {
  try {
    const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(3000) });
    if (response.status === 200) return 'ready';
    const body = (await response.json()) as { checks?: Record<string, string> };
    const failing = Object.entries(body.checks ?? {}).filter(([, value]) => value !== 'ok');
    return `not ready (${failing.map(([name, value]) => `${name}: ${value}`).join('; ')})`;
  } catch {
    return 'down';
  }
}
