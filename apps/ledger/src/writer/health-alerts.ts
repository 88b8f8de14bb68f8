// Turns what the active writer observes about its quorum and replicas into governance alerts, once
// per transition: a critical `quorum-lost` / a warning `replica-unhealthy` when things break, and an
// info alert of the same kind (details.state `recovered`) when they heal. Retries observe the same
// state again and raise nothing.
import type { EventData } from '@medshare/contracts';
import type { Finding } from '../verification/chain-verifier';

export type LedgerAlert = Omit<EventData<'governance.alert.v1'>, 'alertId'>;

/** What the writer sees of one replica at a tick. */
export type ReplicaCondition = { state: 'healthy' } | { state: 'down'; reason: string } | { state: 'behind'; lag: number; reason?: string };

export interface ReplicaIdentity {
  name: string;
  address: string;
}

export interface QuorumObservation {
  writable: number;
  replicas: number;
  needed: number;
}

export class HealthAlerts {
  private readonly unhealthy = new Set<string>();
  private quorumLost = false;

  /**
   * @param chain identifies the chain in alerts (its replicas' addresses), so alerts of several
   *   ledgers on one topic are told apart.
   */
  constructor(private readonly chain: string) {}

  /** The alert for a change in this replica's health, or undefined when nothing changed. */
  replica(replica: ReplicaIdentity, condition: ReplicaCondition): LedgerAlert | undefined {
    const wasUnhealthy = this.unhealthy.has(replica.name);
    const base = { replica: replica.name, address: replica.address, chain: this.chain };
    if (condition.state === 'healthy') {
      if (!wasUnhealthy) return undefined;
      this.unhealthy.delete(replica.name);
      return {
        kind: 'replica-unhealthy',
        severity: 'info',
        summary: `ledger ${replica.name} (${replica.address}) recovered: in sync again`,
        details: { ...base, state: 'recovered' },
      };
    }
    if (wasUnhealthy) return undefined;
    this.unhealthy.add(replica.name);
    if (condition.state === 'down') {
      return {
        kind: 'replica-unhealthy',
        severity: 'warning',
        summary: `ledger ${replica.name} (${replica.address}) is down: ${condition.reason}`.slice(0, 1000),
        details: { ...base, state: 'down', reason: condition.reason.slice(0, 300) },
      };
    }
    const reason = condition.reason?.slice(0, 300);
    return {
      kind: 'replica-unhealthy',
      severity: 'warning',
      summary: `ledger ${replica.name} (${replica.address}) is ${condition.lag} blocks behind the committed head${reason ? `: ${reason}` : ''}`.slice(0, 1000),
      details: { ...base, state: 'behind', lag: condition.lag, ...(reason ? { reason } : {}) },
    };
  }

  /** The alert for losing the write quorum, or undefined when it was already lost. */
  quorumLostNow(observed: QuorumObservation): LedgerAlert | undefined {
    if (this.quorumLost) return undefined;
    this.quorumLost = true;
    return {
      kind: 'quorum-lost',
      severity: 'critical',
      summary: `ledger write quorum lost: ${observed.writable} of ${observed.replicas} replicas writable, ${observed.needed} needed; commits stopped`,
      details: { chain: this.chain, state: 'lost', ...observed },
    };
  }

  /** The alert for having the write quorum again, or undefined when it was never lost. */
  quorumBack(observed: QuorumObservation): LedgerAlert | undefined {
    if (!this.quorumLost) return undefined;
    this.quorumLost = false;
    return {
      kind: 'quorum-lost',
      severity: 'info',
      summary: `ledger write quorum back: ${observed.writable} of ${observed.replicas} replicas writable; commits resumed`,
      details: { chain: this.chain, state: 'recovered', ...observed },
    };
  }
}

/** The health of a replica as the active writer sees it: down without a writer session, behind past the threshold. */
export function replicaCondition(
  { holdsLock, inSync, height, committedHeight, problem }: { holdsLock: boolean; inSync: boolean; height?: number; committedHeight: number; problem?: string },
  lagThreshold: number,
): ReplicaCondition {
  if (!holdsLock) return { state: 'down', reason: problem ?? 'unreachable or its writer lock is unavailable' };
  if (inSync) return { state: 'healthy' };
  // A replica whose head is unknown has not answered yet: count it as holding nothing.
  const lag = committedHeight - (height ?? -1);
  if (lag <= lagThreshold) return { state: 'healthy' };
  return problem === undefined ? { state: 'behind', lag } : { state: 'behind', lag, reason: problem };
}

/** A replica found not to hold the chain it should (by verification, or by the writer catching it up). */
export function tamperAlert(replica: ReplicaIdentity, findings: readonly Finding[], repaired: boolean): LedgerAlert {
  const [first] = findings;
  return {
    kind: 'ledger-tamper',
    severity: 'critical',
    summary: `ledger ${replica.name} (${replica.address}) failed verification at height ${first.height}, ${first.row}: ${first.problem}`.slice(0, 1000),
    details: {
      replica: replica.name,
      address: replica.address,
      height: first.height,
      row: first.row,
      problem: first.problem.slice(0, 500),
      findings: findings.length,
      repaired,
    },
  };
}
