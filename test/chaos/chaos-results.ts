// One row per injected fault, appended by each chaos spec to the file `npm run chaos` names (CHAOS_RESULTS), which
// scripts/chaos-table.js prints as the fault table at the end.
import { appendFileSync } from 'node:fs';

export interface ChaosRow {
  fault: string;
  /** Acknowledged over the run the fault was part of. */
  acknowledged: number;
  lost: number;
  duplicated: number;
  /** How long the longest affected request or take-over took. */
  recoveryMs: number;
  /** 'yes', 'no', or '-' where no governance ran in that scenario. */
  alertRaised: string;
  /** The ledger replicas' verification where a ledger ran, else '-'. */
  verify: string;
}

export function recordChaosRows(rows: readonly ChaosRow[]): void {
  const file = process.env.CHAOS_RESULTS;
  if (!file) return;
  appendFileSync(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
}
