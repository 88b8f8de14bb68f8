// The consumer-lag gauge of one consumer group member: refreshed on a timer from the group's committed offsets
// and the high watermarks (so it grows while a handler is stuck), and only for the partitions this member
// holds (a partition lost in a rebalance disappears from it instead of going stale).
import type { Admin } from 'kafkajs';
import { messagingMetrics } from './metrics';

export class ConsumerLag {
  private assignment = new Map<string, number[]>();
  private readonly reported = new Set<string>();
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer ??= setInterval(() => this.refreshInBackground(), this.intervalMs);
    // A metric must never keep a stopping process alive.
    this.timer.unref();
  }

  /** The partitions this member holds after a (re)join: everything else leaves the gauge. */
  assign(assignment: Record<string, number[]>): void {
    this.assignment = new Map(Object.entries(assignment));
    for (const label of [...this.reported]) {
      const [topic, partition] = label.split('\u0000');
      if (!this.assignment.get(topic)?.includes(Number(partition))) this.remove(topic, Number(partition));
    }
    this.refreshInBackground();
  }

  /** After a batch: the fetch response already says how far behind this partition is. */
  observe(topic: string, partition: number, lag: number): void {
    if (!this.assignment.get(topic)?.includes(partition)) return;
    this.set(topic, partition, lag);
  }

  async refresh(): Promise<void> {
    for (const [topic, partitions] of this.assignment) {
      const [[committed], watermarks] = await Promise.all([
        this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] }),
        this.admin.fetchTopicOffsets(topic),
      ]);
      for (const partition of partitions) {
        const ends = watermarks.find((entry) => entry.partition === partition);
        if (!ends) continue;
        const offset = BigInt(committed.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1');
        // Nothing committed yet: where the group starts is kafkajs' choice (earliest or latest), so no figure.
        if (offset < 0n) continue;
        const lag = BigInt(ends.high) - offset;
        // The assignment may have changed while the offsets were on their way.
        if (this.assignment.get(topic)?.includes(partition)) this.set(topic, partition, Number(lag > 0n ? lag : 0n));
      }
    }
  }

  /** Waits for a refresh in flight: the admin client it uses is closed next. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.refreshing;
    for (const label of [...this.reported]) {
      const [topic, partition] = label.split('\u0000');
      this.remove(topic, Number(partition));
    }
    this.assignment.clear();
  }

  private refreshInBackground(): void {
    if (this.stopped) return;
    // A metric is best effort: a failed refresh leaves the last values until the next one.
    this.refreshing ??= this.refresh()
      .catch(() => undefined)
      .finally(() => (this.refreshing = undefined));
  }

  private set(topic: string, partition: number, lag: number): void {
    messagingMetrics.lag.set({ group: this.groupId, topic, partition: String(partition) }, lag);
    this.reported.add(`${topic}\u0000${partition}`);
  }

  private remove(topic: string, partition: number): void {
    messagingMetrics.lag.remove({ group: this.groupId, topic, partition: String(partition) });
    this.reported.delete(`${topic}\u0000${partition}`);
  }
}
