// Prometheus metrics of the ledger, on the process-wide registry served at /metrics.
import { Counter, Gauge, Histogram, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const ledgerMetrics = {
  blocksCommitted: once(
    'medshare_ledger_blocks_committed_total',
    () => new Counter({ name: 'medshare_ledger_blocks_committed_total', help: 'Blocks committed on a majority of replicas' }),
  ),
  eventsCommitted: once(
    'medshare_ledger_events_committed_total',
    () => new Counter({ name: 'medshare_ledger_events_committed_total', help: 'Event leaves committed on a majority of replicas' }),
  ),
  blockCommitSeconds: once(
    'medshare_ledger_block_commit_seconds',
    () =>
      new Histogram({
        name: 'medshare_ledger_block_commit_seconds',
        help: 'Time from cutting a block to its commit on a majority',
        buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      }),
  ),
  headHeight: once(
    'medshare_ledger_head_height',
    () => new Gauge({ name: 'medshare_ledger_head_height', help: 'Height of the last committed block (-1: empty chain)' }),
  ),
  writerActive: once(
    'medshare_ledger_writer_active',
    () => new Gauge({ name: 'medshare_ledger_writer_active', help: '1 when this instance is the active writer, 0 on standby' }),
  ),
  quorum: once(
    'medshare_ledger_quorum',
    () => new Gauge({ name: 'medshare_ledger_quorum', help: '1 when a majority of replicas is reachable and writable, 0 when commits are stopped' }),
  ),
  replicaHealthy: once(
    'medshare_ledger_replica_healthy',
    () =>
      new Gauge({
        name: 'medshare_ledger_replica_healthy',
        help: '1 when the replica is reachable and in sync with the committed head',
        labelNames: ['replica'],
      }),
  ),
  replicaHeight: once(
    'medshare_ledger_replica_height',
    () => new Gauge({ name: 'medshare_ledger_replica_height', help: 'Last block height held by the replica', labelNames: ['replica'] }),
  ),
  tamperFindings: once(
    'medshare_ledger_tamper_findings_total',
    () =>
      new Counter({ name: 'medshare_ledger_tamper_findings_total', help: 'Verification findings (edited, missing or stray rows)', labelNames: ['replica'] }),
  ),
  repairs: once(
    'medshare_ledger_repairs_total',
    () => new Counter({ name: 'medshare_ledger_repairs_total', help: 'Blocks rewritten on a replica from verified quorum data', labelNames: ['replica'] }),
  ),
  deadLettered: once(
    'medshare_ledger_dead_lettered_total',
    () =>
      new Counter({
        name: 'medshare_ledger_dead_lettered_total',
        help: 'Unparseable audited messages recorded as marker leaves and dead-lettered',
        labelNames: ['topic'],
      }),
  ),
};
