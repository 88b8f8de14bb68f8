// Dead letters per refused topic and fixed window in PostgreSQL, shared by every governance instance.
import type { DataSource, EntityManager } from 'typeorm';
import { windowStartOf, type DeadLetterFact } from './dead-letters';

export interface DeadLetterWindow {
  topic: string;
  windowStart: number;
  count: number;
  /** The newest dead letter counted in it. */
  lastAt: number;
}

/** The health screen's line for one topic. */
export interface DeadLetterCounts {
  topic: string;
  total: number;
  lastDay: number;
  lastAt: string;
}

export class DeadLettersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds the facts to their topic's windows; answers every window touched, with its count after the addition. */
  async add(manager: EntityManager, facts: readonly DeadLetterFact[], windowMs: number): Promise<DeadLetterWindow[]> {
    if (facts.length === 0) return [];
    const rows: { topic: string; window_start: Date; count: number; last_at: Date }[] = await manager.query(
      `INSERT INTO dead_letter_windows (topic, window_start, count, last_at)
       SELECT topic, window_start, count(*), max(at) FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS d(topic, window_start, at)
       GROUP BY topic, window_start
       ON CONFLICT (topic, window_start) DO UPDATE SET count = dead_letter_windows.count + EXCLUDED.count,
         last_at = greatest(dead_letter_windows.last_at, EXCLUDED.last_at)
       RETURNING topic, window_start, count, last_at`,
      [facts.map((fact) => fact.topic), facts.map((fact) => new Date(windowStartOf(fact.at, windowMs))), facts.map((fact) => new Date(fact.at))],
    );
    return rows.map((row) => ({ topic: row.topic, windowStart: row.window_start.getTime(), count: row.count, lastAt: row.last_at.getTime() }));
  }

  /** Per topic: every dead letter counted, those of the last 24 hours (by window), the newest; busiest first. */
  async perTopic(now: Date): Promise<DeadLetterCounts[]> {
    const rows: { topic: string; total: string; last_day: string; last_at: Date }[] = await this.dataSource.query(
      `SELECT topic, sum(count) AS total, coalesce(sum(count) FILTER (WHERE window_start > $1), 0) AS last_day, max(last_at) AS last_at
       FROM dead_letter_windows GROUP BY topic ORDER BY total DESC, topic`,
      [new Date(now.getTime() - 86_400_000)],
    );
    return rows.map((row) => ({ topic: row.topic, total: Number(row.total), lastDay: Number(row.last_day), lastAt: row.last_at.toISOString() }));
  }
}
