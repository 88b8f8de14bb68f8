// Events governance decided to publish, kept in PostgreSQL until Kafka acknowledged them: a crash between
// deciding and publishing loses nothing, and two instances deciding the same alert publish it once.
import type { DataSource, EntityManager } from 'typeorm';
import { topicByName, type EventOn, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';

export interface OutboxEntry<TTopic extends TopicSpec> {
  /** The dedup key: an alert id (derived from rule and window) or the event id. */
  id: string;
  event: EventOn<TTopic>;
}

export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Queues the events for `topic` (published by publishPending); returns the entries that were new (a second claim
   * of the same id, by any instance, is not).
   */
  async publishLater<TTopic extends TopicSpec>(
    topic: TTopic,
    entries: readonly OutboxEntry<TTopic>[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<OutboxEntry<TTopic>[]> {
    if (entries.length === 0) return [];
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO outbox (id, topic, event) SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT DO NOTHING RETURNING id`,
      [entries.map((entry) => entry.id), entries.map(() => topic.name), entries.map((entry) => JSON.stringify(entry.event))],
    );
    const claimed = new Set(rows.map((row) => row.id));
    return entries.filter((entry) => claimed.has(entry.id));
  }

  /**
   * Publishes what is not acknowledged yet, oldest first. Rows are locked while published, so two instances
   * never send the same row at once; a crash after the send and before the update sends the same event (same
   * id) again, which every reader stores once.
   */
  async publishPending(publisher: EventPublisher, limit = 500): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: { id: string; topic: string; event: MedshareEvent }[] = await manager.query(
        `SELECT id, topic, event FROM outbox WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, MedshareEvent[]>();
      for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row.event]);
      for (const [name, events] of byTopic) await publisher.publish(topicByName(name)!, events);
      await manager.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1)`, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }
}
