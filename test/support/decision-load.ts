// A run's load on the ledger: numbered permit decisions of the run's own patients and practitioner on
// access.decisions, and how many of them a replica holds (exactly once each, or not yet).
import { topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import { queryRows } from './endpoints';
import { permitDecision } from './events';
import { eventually } from './eventually';

export interface RecordedCounts {
  rows: number;
  distinct: number;
}

export class DecisionLoad {
  /** Event ids in the order they were published. */
  readonly produced: string[] = [];

  constructor(
    private readonly publisher: EventPublisher,
    private readonly run: string,
  ) {}

  async produce(count: number): Promise<void> {
    const events = Array.from({ length: count }, (_, i) => this.decision(this.produced.length + i));
    await this.publisher.publish(topics.accessDecisions, events);
    this.produced.push(...events.map((event) => event.id));
  }

  /** Rows of the produced events in the replica database at `url`, and distinct events among them. */
  async recorded(url: string, connectTimeoutMs?: number): Promise<RecordedCounts> {
    const [row] = await queryRows<{ rows: string; distinct: string }>(
      url,
      'SELECT count(*) AS rows, count(DISTINCT event_id) AS distinct FROM ledger_events WHERE event_id = ANY($1)',
      [this.produced],
      connectTimeoutMs,
    );
    return { rows: Number(row.rows), distinct: Number(row.distinct) };
  }

  /** Waits until the replica holds every produced event; more rows than events in the answer means doubles. */
  allRecorded(
    url: string,
    { name, timeoutMs = 60_000, connectTimeoutMs }: { name: string; timeoutMs?: number; connectTimeoutMs?: number },
  ): Promise<RecordedCounts> {
    return eventually(
      async () => {
        const counts = await this.recorded(url, connectTimeoutMs);
        return counts.distinct === this.produced.length ? counts : undefined;
      },
      { timeoutMs, intervalMs: 250, what: `${name} to hold all ${this.produced.length} events` },
    );
  }

  private decision(n: number) {
    const patient = `p-${this.run.replace(/[^a-z2-7]/g, 'a')}${'abcdefghijklmnopqrstuvwxyz234567'[n % 32].repeat(10)}`;
    return permitDecision(`${this.run}-${n}`, patient, `dr-${this.run}`);
  }
}
