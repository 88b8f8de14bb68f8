// What the incremental verification remembers of one replica between passes: for every height it has
// verified (clean, and the block the one a majority holds) the version of that height's rows then. A
// pass re-verifies only heights whose rows changed since (edited, deleted or inserted rows change the
// version), heights not yet verified, and a rotating slice of the rest, which catches what a version
// cannot see (bytes changed under PostgreSQL's feet, in its files). Pure: the versions come from the caller.

/** The problem of a verified height whose rows were rewritten although its content verifies again. */
export const REWRITTEN = 'rows of this block were deleted or rewritten after it was verified (the block verifies now: restored from the quorum?)';

/** The version of a height without any row. */
const ABSENT = 'absent';

export interface PassPlan {
  /** Heights to verify this pass, ascending. */
  heights: number[];
  /** Verified heights whose rows changed since (not by a repair of ours). */
  changed: Set<number>;
}

export class ReplicaBaseline {
  private readonly versions = new Map<number, string>();
  // Every height 0..watermark is verified.
  private watermark = -1;
  private sweepFrom = 0;
  // Heights our own repair rewrote: verified again, and their new versions taken if clean.
  private readonly repaired = new Set<number>();
  // The versions a height had when its findings were last reported: the same findings again are no news.
  private readonly reported = new Map<number, string>();

  constructor(private readonly sweepHeights: number) {}

  /** The highest height up to which every height is verified (-1: none). */
  get verifiedHeight(): number {
    return this.watermark;
  }

  /** What to verify, given the replica's head and the current versions of its heights up to max(head, verifiedHeight). */
  plan(head: number, current: ReadonlyMap<number, string>): PassPlan {
    const heights = new Set<number>();
    const changed = new Set<number>();
    for (let height = 0; height <= this.watermark; height += 1) {
      if (this.repaired.has(height)) heights.add(height);
      else if ((current.get(height) ?? ABSENT) !== this.versions.get(height)) {
        heights.add(height);
        changed.add(height);
      }
    }
    for (let height = this.watermark + 1; height <= head; height += 1) heights.add(height);
    const sweepTo = Math.min(this.watermark, this.sweepFrom + this.sweepHeights - 1);
    for (let height = this.sweepFrom; height <= sweepTo; height += 1) heights.add(height);
    this.sweepFrom = sweepTo >= this.watermark ? 0 : sweepTo + 1;
    return { heights: [...heights].sort((a, b) => a - b), changed };
  }

  /**
   * After a pass: verified heights without findings (other than REWRITTEN) whose block a majority holds
   * take their current versions. Returns the findings that are news (not reported with these versions).
   */
  settle<F extends { height: number; problem: string }>(
    verified: readonly number[],
    current: ReadonlyMap<number, string>,
    findings: readonly F[],
    agreed: (height: number) => boolean,
  ): F[] {
    const bad = new Set(findings.filter((finding) => finding.problem !== REWRITTEN).map((finding) => finding.height));
    for (const height of verified) {
      const version = current.get(height);
      if (bad.has(height) || version === undefined || !agreed(height)) continue;
      this.versions.set(height, version);
      this.repaired.delete(height);
    }
    while (this.versions.has(this.watermark + 1)) this.watermark += 1;
    const found = new Set(findings.map((finding) => finding.height));
    for (const height of verified) if (!found.has(height)) this.reported.delete(height);
    const news = findings.filter((finding) => this.reported.get(finding.height) !== (current.get(finding.height) ?? ABSENT));
    for (const finding of news) this.reported.set(finding.height, current.get(finding.height) ?? ABSENT);
    return news;
  }

  /** Heights our repair rewrote: their new rows are not tampering; verify them again next pass. */
  rewroteByRepair(heights: readonly number[]): void {
    for (const height of heights) if (height <= this.watermark) this.repaired.add(height);
  }
}

/** Consecutive runs [from, to] of ascending heights. */
export function runsOf(heights: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const height of heights) {
    const last = runs[runs.length - 1];
    if (last && last[1] === height - 1) last[1] = height;
    else runs.push([height, height]);
  }
  return runs;
}
