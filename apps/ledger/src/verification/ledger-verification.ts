// Runs the chain verifier over every replica, compares the replicas block by block, publishes each
// tampered replica as a governance alert and, on the active writer, repairs it from verified quorum data.
// Two kinds of run: a full one (every height of every replica: verification jobs) and the background's
// incremental one (per replica only what changed since the last pass, what is new, and a slice: see
// ReplicaBaseline), which finds a tampered row in seconds where a full pass over ~250k events takes tens
// of seconds.
import type { KeyObject } from 'node:crypto';
import { envelope, newEventId, topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import { ledgerMetrics } from '../ledger-metrics';
import type { Replica, SnapshotReader } from '../replica/replica';
import type { ReplicaSet } from '../replica/replica-set';
import type { LedgerWriter } from '../writer/ledger-writer';
import type { CheckedEvent } from '@medshare/merkle';
import { SerialQueue } from '../writer/serial-queue';
import { ChainVerifier, type Finding } from './chain-verifier';
import { ReplicaBaseline, REWRITTEN, runsOf } from './replica-baseline';
import { tamperAlert } from '../writer/health-alerts';

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
/**
 * Verified heights re-verified per incremental pass whatever their versions say: with 1,000-event blocks a
 * 250k chain is swept in full about every 60 passes (5 minutes at the default 5 s interval).
 */
const SWEEP_HEIGHTS = 4;

/** Where a pass found what, on one snapshot of one replica. */
interface ReplicaPass {
  report: ReplicaReport;
  /** Heights verified, and the versions of the replica's rows they were verified at. */
  verified: number[];
  versions: Map<number, string>;
}

export class LedgerVerification {
  private last?: VerificationReport;
  // One run at a time (requested or in the background): two repairs never overlap.
  private readonly queue = new SerialQueue();
  private readonly baselines = new Map<Replica, ReplicaBaseline>();

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
    const { quorumHeight } = await this.compareReplicas(reports, 0);
    for (const [i, report] of reports.entries()) {
      if (report.findings.length === 0) continue;
      const repaired = await this.reportFindings(this.replicas[i], report.findings, repair);
      if (repaired.length > 0) {
        const after = await this.verifyReplica(this.replicas[i]);
        report.repaired = repaired;
        report.afterRepair = { ok: after.ok, findings: after.findings };
      }
    }
    return this.finish(started, quorumHeight, reports);
  }

  /**
   * The background pass (active writer, repairing): per replica, on one snapshot, only the heights whose
   * rows changed since they were verified, the heights not verified yet, and a rotating slice; block hashes
   * compared with the majority over the heights read. Each finding is alerted once (until its rows change).
   */
  verifyRecent(): Promise<VerificationReport> {
    return this.queue.run(async () => {
      const started = Date.now();
      const passes: ReplicaPass[] = [];
      for (const replica of this.replicas) passes.push(await this.passOf(replica));
      const reports = passes.map((pass) => pass.report);
      const lowest = Math.min(...passes.flatMap((pass) => [...pass.verified.slice(0, 1), pass.report.height ?? Infinity]));
      const { quorumHeight, agreed } = await this.compareReplicas(reports, Number.isFinite(lowest) ? Math.max(0, lowest) : 0);
      for (const [i, { report, verified, versions }] of passes.entries()) {
        const news = this.baselineOf(this.replicas[i]).settle(verified, versions, report.findings, (height) => agreed(i, height));
        if (news.length > 0) report.repaired = await this.reportFindings(this.replicas[i], news, true);
      }
      return this.finish(started, quorumHeight, reports);
    });
  }

  private finish(started: number, quorumHeight: number, reports: ReplicaReport[]): VerificationReport {
    const report: VerificationReport = {
      ok: reports.every((candidate) => candidate.ok),
      at: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      quorumHeight,
      replicas: reports,
    };
    this.last = report;
    return report;
  }

  /** Logs and counts findings, repairs them (on the active writer, when asked), alerts; the heights repaired. */
  private async reportFindings(replica: Replica, findings: readonly Finding[], repair: boolean): Promise<number[]> {
    const [first] = findings;
    ledgerMetrics.tamperFindings.inc({ replica: replica.name }, findings.length);
    this.logger.error(
      { replica: replica.name, height: first.height, row: first.row, problem: first.problem, findings: findings.length },
      'ledger replica failed verification',
    );
    const damaged = findings.filter((finding) => finding.problem !== REWRITTEN);
    const repaired = repair && damaged.length > 0 && this.writer.isActive ? await this.repair(replica, damaged) : [];
    await this.alert(replica, findings, repaired.length > 0);
    return repaired;
  }

  private async passOf(replica: Replica): Promise<ReplicaPass> {
    const baseline = this.baselineOf(replica);
    const base = { replica: replica.name, address: replica.address };
    try {
      return await replica.snapshot(async (reader) => {
        const head = (await reader.head())?.height ?? -1;
        const versions = await reader.rowVersions(Math.max(head, baseline.verifiedHeight));
        const { heights, changed } = baseline.plan(head, versions);
        const findings: Finding[] = [];
        for (const [from, to] of runsOf(heights)) findings.push(...(await this.verifyRun(reader, from, to)).findings);
        for (const height of changed) if (!findings.some((finding) => finding.height === height)) findings.push({ height, row: 'block', problem: REWRITTEN });
        const [top] = head < 0 ? [] : await reader.storedBlocks(head, head);
        const treeSize = Number((top?.header as { treeSize?: unknown } | undefined)?.treeSize ?? 0);
        findings.push(...new ChainVerifier(this.publicKey).orphans(await reader.strayEvents(Number.isSafeInteger(treeSize) ? treeSize : 0, head)));
        const sorted = findings.sort((a, b) => a.height - b.height).slice(0, MAX_FINDINGS);
        return { report: { ...base, height: head, ok: sorted.length === 0, findings: sorted }, verified: heights, versions };
      });
    } catch (error) {
      return { report: { ...base, ok: false, findings: [], error: error instanceof Error ? error.message : String(error) }, verified: [], versions: new Map() };
    }
  }

  private baselineOf(replica: Replica): ReplicaBaseline {
    let baseline = this.baselines.get(replica);
    if (!baseline) this.baselines.set(replica, (baseline = new ReplicaBaseline(SWEEP_HEIGHTS)));
    return baseline;
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

  private async verifyChain(reader: SnapshotReader, onPage: (height: number, of: number) => void): Promise<{ height: number; findings: Finding[] }> {
    const top = (await reader.head())?.height ?? -1;
    const { findings, verifier } = await this.verifyRun(reader, 0, top, onPage);
    findings.push(...verifier.orphans(await reader.strayEvents(verifier.treeSize, top)));
    return { height: top, findings: findings.slice(0, MAX_FINDINGS) };
  }

  /**
   * Verifies heights `first..last` of a replica, going on from the block below `first` as stored: the
   * caller trusts it (verified, and its rows unchanged since, or `first` is 0).
   */
  private async verifyRun(
    reader: SnapshotReader,
    first: number,
    last: number,
    onPage: (height: number, of: number) => void = () => undefined,
  ): Promise<{ findings: Finding[]; verifier: ChainVerifier }> {
    const [previous] = first > 0 ? await reader.storedBlocks(first - 1, first - 1) : [];
    const verifier = ChainVerifier.after(previous, this.publicKey);
    const findings: Finding[] = [];
    if (first > 0 && previous === undefined) findings.push({ height: first - 1, row: 'block', problem: 'block is missing' });
    const strays: CheckedEvent[][] = [];
    const read = (from: number) => {
      const to = Math.min(last, from + PAGE_HEIGHTS - 1);
      const page = Promise.all([reader.storedBlocks(from, to), reader.checkedEvents(from, to)]);
      // Awaited on the next turn; stopping early (too many findings) must not leave it unhandled.
      page.catch(() => undefined);
      return page;
    };
    let next = first <= last ? read(first) : undefined;
    for (let from = first; next !== undefined && findings.length < MAX_FINDINGS; from += PAGE_HEIGHTS) {
      onPage(from, last);
      const [blocks, events] = await next;
      // The next page is read while this one is checked: the replica's server works while this thread hashes.
      next = from + PAGE_HEIGHTS <= last ? read(from + PAGE_HEIGHTS) : undefined;
      const byHeight = new Map<number, CheckedEvent[]>();
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
      strays.push(...byHeight.values());
    }
    if (verifier.nextHeight <= last) findings.push({ height: verifier.nextHeight, row: 'block', problem: 'block is missing' });
    // After the missing blocks they were stored under, so a finding's first line names the block.
    findings.push(...verifier.orphans(strays.flat()));
    return { findings, verifier };
  }

  /**
   * Compares block hashes across replicas: where a replica's block differs from the one a majority
   * holds, that is a finding too (a replica can be internally consistent and still not the chain).
   */
  private async compareReplicas(
    reports: ReplicaReport[],
    from: number,
  ): Promise<{ quorumHeight: number; agreed: (replica: number, height: number) => boolean }> {
    const top = Math.max(-1, ...reports.map((report) => report.height ?? -1));
    const hashes = await Promise.all(
      this.replicas.map((replica, i) => (reports[i].height === undefined ? Promise.resolve(undefined) : replica.blockHashes(from, top).catch(() => undefined))),
    );
    const majorityHashes = new Map<number, string>();
    let quorumHeight = -1;
    for (let height = from; height <= top; height += 1) {
      const counts = new Map<string, number>();
      for (const map of hashes) {
        const hash = map?.get(height);
        if (hash !== undefined) counts.set(hash, (counts.get(hash) ?? 0) + 1);
      }
      const agreed = [...counts].find(([, count]) => this.set.isMajority(count))?.[0];
      if (agreed === undefined) continue;
      majorityHashes.set(height, agreed);
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
    return { quorumHeight, agreed: (replica, height) => hashes[replica]?.get(height) === majorityHashes.get(height) && majorityHashes.has(height) };
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
        this.baselineOf(replica).rewroteByRepair(heights);
        this.logger.warn({ replica: replica.name, heights }, 'replica repaired from verified quorum data');
        return named;
      } catch (error) {
        this.logger.error({ replica: replica.name, error: error instanceof Error ? error.message : String(error) }, 'repair failed');
        return [];
      }
    });
  }

  private async alert(replica: Replica, findings: readonly Finding[], repaired: boolean): Promise<void> {
    const alert = envelope('governance.alert.v1', 'ledger', { alertId: newEventId(), ...tamperAlert(replica, findings, repaired) });
    try {
      await this.publisher.publish(topics.governanceAlerts, [alert]);
    } catch (error) {
      this.logger.error({ replica: replica.name, error: error instanceof Error ? error.message : String(error) }, 'publishing the tamper alert failed');
    }
  }
}
