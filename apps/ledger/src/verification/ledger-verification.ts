// Runs the chain verifier over every replica, compares the replicas block by block, publishes each
// tampered replica as a governance alert and, on the active writer, repairs it from verified quorum data.
import type { KeyObject } from 'node:crypto';
import { envelope, newEventId, topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import { ledgerMetrics } from '../ledger-metrics';
import type { Replica, ReplicaReader } from '../replica/replica';
import type { ReplicaSet } from '../replica/replica-set';
import type { LedgerWriter } from '../writer/ledger-writer';
import type { EventRow } from '../block/sealed-block';
import { SerialQueue } from '../writer/serial-queue';
import { ChainVerifier, type Finding } from './chain-verifier';

export interface ReplicaReport {
  replica: string;
  address: string;
  /** Last block height stored (-1: empty); undefined when unreachable. */
  height?: number;
  /** Blocks behind the highest height a majority agrees on. */
  lag?: number;
  ok: boolean;
  findings: Finding[];
  error?: string;
  /** Heights rewritten from verified quorum data, and what verification says after that. */
  repaired?: number[];
  afterRepair?: { ok: boolean; findings: Finding[] };
}

/** Where a run is: replicas finished, and the replica and height being read. */
export interface VerificationProgress {
  replicas: number;
  replicasDone: number;
  replica?: string;
  height?: number;
  of?: number;
}

export interface VerificationReport {
  ok: boolean;
  at: string;
  durationMs: number;
  quorumHeight: number;
  replicas: ReplicaReport[];
}

/** Heights read per query while verifying (blocks and their events). */
const PAGE_HEIGHTS = 50;
const MAX_FINDINGS = 200;

export class LedgerVerification {
  private last?: VerificationReport;
  // One run at a time (requested or in the background): two repairs never overlap.
  private readonly queue = new SerialQueue();

  private readonly replicas: readonly Replica[];

  constructor(
    private readonly set: ReplicaSet<Replica>,
    private readonly writer: LedgerWriter,
    private readonly publisher: EventPublisher,
    private readonly publicKey: KeyObject,
    private readonly logger: Logger,
  ) {
    this.replicas = set.members;
  }

  get lastReport(): VerificationReport | undefined {
    return this.last;
  }

  /** Verifies every replica in full after any run under way; repairs only on the active writer. */
  verifyAll({ repair, onProgress }: { repair: boolean; onProgress?: (progress: VerificationProgress) => void }): Promise<VerificationReport> {
    return this.queue.run(() => this.run(repair, onProgress ?? (() => undefined)));
  }

  private async run(repair: boolean, onProgress: (progress: VerificationProgress) => void): Promise<VerificationReport> {
    const started = Date.now();
    const reports: ReplicaReport[] = [];
    for (const replica of this.replicas) {
      const progress = { replicas: this.replicas.length, replicasDone: reports.length, replica: replica.name };
      reports.push(await this.verifyReplica(replica, (height, of) => onProgress({ ...progress, height, of })));
    }
    onProgress({ replicas: this.replicas.length, replicasDone: reports.length });
    const quorumHeight = await this.compareReplicas(reports);
    for (const report of reports.filter((candidate) => !candidate.ok && candidate.findings.length > 0)) {
      const replica = this.replicas.find((candidate) => candidate.name === report.replica) as Replica;
      ledgerMetrics.tamperFindings.inc({ replica: replica.name }, report.findings.length);
      this.logger.error({ replica: replica.name, height: report.findings[0].height, row: report.findings[0].row, problem: report.findings[0].problem, findings: report.findings.length }, 'ledger replica failed verification');
      const repaired = repair && this.writer.isActive ? await this.repair(replica, report.findings) : [];
      await this.alert(replica, report.findings, repaired.length > 0);
      if (repaired.length > 0) {
        const after = await this.verifyReplica(replica);
        report.repaired = repaired;
        report.afterRepair = { ok: after.ok, findings: after.findings };
      }
    }
    const report: VerificationReport = { ok: reports.every((candidate) => candidate.ok), at: new Date(started).toISOString(), durationMs: Date.now() - started, quorumHeight, replicas: reports };
    this.last = report;
    return report;
  }

  /** Verifies one replica's whole chain from its own rows. */
  async verifyReplica(replica: Replica, onPage: (height: number, of: number) => void = () => undefined): Promise<ReplicaReport> {
    const base = { replica: replica.name, address: replica.address };
    try {
      const { height, findings } = await replica.snapshot((reader) => this.verifyChain(reader, onPage));
      return { ...base, height, ok: findings.length === 0, findings };
    } catch (error) {
      return { ...base, ok: false, findings: [], error: error instanceof Error ? error.message : String(error) };
    }
  }

  private async verifyChain(reader: ReplicaReader, onPage: (height: number, of: number) => void): Promise<{ height: number; findings: Finding[] }> {
    const head = await reader.head();
    const verifier = new ChainVerifier(this.publicKey);
    const findings: Finding[] = [];
    const top = head?.height ?? -1;
    for (let from = 0; from <= top && findings.length < MAX_FINDINGS; from += PAGE_HEIGHTS) {
      const to = Math.min(top, from + PAGE_HEIGHTS - 1);
      onPage(from, top);
      const [blocks, events] = await Promise.all([reader.storedBlocks(from, to), reader.events(from, to)]);
      const byHeight = new Map<number, EventRow[]>();
      for (const event of events) {
        const group = byHeight.get(event.height);
        if (group) group.push(event);
        else byHeight.set(event.height, [event]);
      }
      for (const block of blocks) {
        findings.push(...verifier.check(block, byHeight.get(block.height) ?? []));
        byHeight.delete(block.height);
      }
      // Rows under a height that has no block row belong to no block.
      findings.push(...verifier.orphans([...byHeight.values()].flat()));
    }
    if (verifier.nextHeight <= top) findings.push({ height: verifier.nextHeight, row: 'block', problem: 'block is missing' });
    findings.push(...verifier.orphans(await reader.strayEvents(verifier.treeSize, top)));
    return { height: top, findings: findings.slice(0, MAX_FINDINGS) };
  }

  /**
   * Compares block hashes across replicas: where a replica's block differs from the one a majority
   * holds, that is a finding too (a replica can be internally consistent and still not the chain).
   */
  private async compareReplicas(reports: ReplicaReport[]): Promise<number> {
    const top = Math.max(-1, ...reports.map((report) => report.height ?? -1));
    const hashes = await Promise.all(this.replicas.map((replica, i) => (reports[i].height === undefined ? Promise.resolve(undefined) : replica.blockHashes(0, top).catch(() => undefined))));
    let quorumHeight = -1;
    for (let height = 0; height <= top; height += 1) {
      const counts = new Map<string, number>();
      for (const map of hashes) {
        const hash = map?.get(height);
        if (hash !== undefined) counts.set(hash, (counts.get(hash) ?? 0) + 1);
      }
      const agreed = [...counts].find(([, count]) => this.set.isMajority(count))?.[0];
      if (agreed === undefined) continue;
      quorumHeight = height;
      hashes.forEach((map, i) => {
        const hash = map?.get(height);
        if (hash !== undefined && hash !== agreed && reports[i].findings.every((finding) => finding.height !== height)) {
          reports[i].findings.push({ height, row: 'header', problem: 'block differs from the one a majority of replicas holds' });
          reports[i].ok = false;
        }
      });
    }
    for (const report of reports) if (report.height !== undefined) report.lag = Math.max(0, quorumHeight - report.height);
    return quorumHeight;
  }

  /** Rewrites every block a finding names from verified copies, on the writer queue; returns the heights. */
  private async repair(replica: Replica, findings: readonly Finding[]): Promise<number[]> {
    return this.writer.exclusive(async () => {
      const head = this.writer.committedHead;
      if (!head || !replica.holdsWriterLock) return [];
      const named = [...new Set(findings.map((finding) => finding.height))].sort((a, b) => a - b);
      const heights = named.filter((height) => height <= head.header.height);
      try {
        const blocks = [];
        for (const height of heights) blocks.push(...(await this.writer.verifiedBlocks(height, height, replica)));
        await replica.replace(blocks, { treeSize: head.header.treeSize, headHeight: head.header.height });
        ledgerMetrics.repairs.inc({ replica: replica.name }, blocks.length);
        this.logger.warn({ replica: replica.name, heights }, 'replica repaired from verified quorum data');
        return named;
      } catch (error) {
        this.logger.error({ replica: replica.name, error: error instanceof Error ? error.message : String(error) }, 'repair failed');
        return [];
      }
    });
  }

  private async alert(replica: Replica, findings: readonly Finding[], repaired: boolean): Promise<void> {
    const [first] = findings;
    const summary = `ledger ${replica.name} (${replica.address}) failed verification at height ${first.height}, ${first.row}: ${first.problem}`;
    const alert = envelope('governance.alert.v1', 'ledger', {
      alertId: newEventId(),
      kind: 'ledger-tamper' as const,
      severity: 'critical' as const,
      summary: summary.slice(0, 1000),
      details: { replica: replica.name, address: replica.address, height: first.height, row: first.row, problem: first.problem.slice(0, 500), findings: findings.length, repaired },
    });
    try {
      await this.publisher.publish(topics.governanceAlerts, [alert]);
    } catch (error) {
      this.logger.error({ replica: replica.name, error: error instanceof Error ? error.message : String(error) }, 'publishing the tamper alert failed');
    }
  }
}
