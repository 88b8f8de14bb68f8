// Runs a ledger verification job the way an operator or auditor does: POST /v1/verifications (202 and
// a Location), then polls the job until it is done, and gives its report.
import { DEV_OPERATOR_TOKEN } from '@medshare/service-kit';
import { eventually } from './eventually';

export interface LedgerVerificationReport {
  ok: boolean;
  durationMs: number;
  quorumHeight: number;
  replicas: {
    replica: string;
    ok: boolean;
    height?: number;
    findings: { height: number; row: string; problem: string }[];
    repaired?: number[];
    afterRepair?: { ok: boolean };
  }[];
}

/** Verifies every replica of the ledger at `baseUrl` now, as the operator (and repairs, when asked). */
export async function runLedgerVerification(
  baseUrl: string,
  { repair = false, operatorToken = DEV_OPERATOR_TOKEN, timeoutMs = 120_000 } = {},
): Promise<LedgerVerificationReport> {
  const started = await fetch(`${baseUrl}/v1/verifications?repair=${repair}`, { method: 'POST', headers: { authorization: `Bearer ${operatorToken}` } });
  const location = started.headers.get('location');
  if (started.status !== 202 || location === null) throw new Error(`verification not started: HTTP ${started.status}`);
  return eventually(
    async () => {
      const job = (await (await fetch(`${baseUrl}${location}`)).json()) as { status: string; report?: LedgerVerificationReport; error?: string };
      if (job.status === 'failed') throw new Error(`verification failed: ${job.error}`);
      return job.status === 'done' ? job.report : undefined;
    },
    { timeoutMs, intervalMs: 200, what: 'the verification job to finish' },
  );
}
