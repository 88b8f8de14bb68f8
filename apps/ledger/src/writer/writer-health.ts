// What the active writer tells the world about its quorum and replicas: governance alerts (once per
// transition, in the order raised, off the commit path), one log line per alert, and the metrics.
import { envelope, newEventId, topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import { ledgerMetrics } from '../ledger-metrics';
import type { ChainReplica, ReplicaSet } from '../replica/replica-set';
import type { Finding } from '../verification/chain-verifier';
import { HealthAlerts, replicaCondition, tamperAlert, type LedgerAlert } from './health-alerts';
import { SerialQueue } from './serial-queue';
import type { ReplicaSync } from './replica-sync';

export class WriterHealth<R extends ChainReplica> {
  private readonly transitions: HealthAlerts;
  private readonly queue = new SerialQueue();

  constructor(
    private readonly set: ReplicaSet<R>,
    private readonly publisher: Pick<EventPublisher, 'publish'>,
    private readonly logger: Logger,
    private readonly lagAlertBlocks: number,
  ) {
    this.transitions = new HealthAlerts(set.chain);
  }

  /** Commits stopped: the replicas' state and one critical alert for the outage (not one per retry). */
  quorumLost(sync: ReplicaSync<R>, writable: number): void {
    ledgerMetrics.quorum.set(0);
    this.observe(sync);
    this.raise(this.transitions.quorumLostNow({ writable, replicas: this.set.size, needed: this.set.majority }));
  }

  quorumBack(writable: number): void {
    ledgerMetrics.quorum.set(1);
    this.raise(this.transitions.quorumBack({ writable, replicas: this.set.size, needed: this.set.majority }));
  }

  /** Health of every replica as the active writer sees it; an alert on each change. */
  observe(sync: ReplicaSync<R>): void {
    const committedHeight = sync.committed?.header.height ?? -1;
    for (const replica of this.set.members) {
      const condition = replicaCondition(
        {
          holdsLock: replica.holdsWriterLock,
          inSync: sync.isInSync(replica),
          height: sync.heightOf(replica),
          committedHeight,
          problem: sync.problemOf(replica),
        },
        this.lagAlertBlocks,
      );
      this.raise(this.transitions.replica(replica, condition));
    }
  }

  /** This instance became the active writer. */
  nowActive(sync: ReplicaSync<R>): void {
    const inSync = sync.inSyncReplicas;
    const height = sync.committed?.header.height ?? -1;
    this.quorumBack(inSync.length);
    ledgerMetrics.writerActive.set(1);
    ledgerMetrics.headHeight.set(height);
    this.logger.info({ height, replicas: inSync.map((replica) => replica.name) }, 'active writer');
  }

  updateMetrics(sync: ReplicaSync<R>): void {
    for (const replica of this.set.members) ledgerMetrics.replicaHealthy.set({ replica: replica.name }, sync.isInSync(replica) ? 1 : 0);
  }

  /** A divergence the writer found on a replica (and repaired when `repaired`): never a silent fix. */
  tamper(replica: R, findings: readonly Finding[], repaired: boolean): void {
    ledgerMetrics.tamperFindings.inc({ replica: replica.name }, findings.length);
    this.raise(tamperAlert(replica, findings, repaired));
  }

  /** Resolves when every alert raised so far went out (or failed to). */
  drain(): Promise<void> {
    return this.queue.run(async () => undefined);
  }

  private raise(alert: LedgerAlert | undefined): void {
    if (alert === undefined) return;
    const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
    this.logger[level]({ kind: alert.kind, severity: alert.severity, state: alert.details?.state, replica: alert.details?.replica }, alert.summary);
    void this.queue.run(async () => {
      try {
        await this.publisher.publish(topics.governanceAlerts, [envelope('governance.alert.v1', 'ledger', { alertId: newEventId(), ...alert })]);
      } catch (error) {
        this.logger.error({ kind: alert.kind, error: messageOf(error) }, 'publishing a ledger alert failed');
      }
    });
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
