// Exactly-once counting for consumers whose effect is an increment: the next offset of each partition is kept in
// PostgreSQL, in the transaction that applies the batch. A redelivered batch (a retry, a rebalance, a crash before
// Kafka's commit) finds its offsets applied and adds nothing; two instances briefly holding one partition queue on
// the row lock, and the second one skips what the first applied.
import type { DataSource, EntityManager } from 'typeorm';
import type { ConsumedEvent } from '@medshare/messaging';

/** `batch` is one partition's (BatchConsumer hands batches per topic and partition). */
export async function applyOnce<T, TConsumed extends Pick<ConsumedEvent, 'topic' | 'partition' | 'offset'>>(
  dataSource: DataSource,
  consumer: string,
  batch: readonly TConsumed[],
  work: (manager: EntityManager, fresh: readonly TConsumed[]) => Promise<T>,
): Promise<T | undefined> {
  if (batch.length === 0) return undefined;
  const { topic, partition } = batch[0];
  return dataSource.transaction(async (manager) => {
    await manager.query(`INSERT INTO applied_offsets (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING`, [
      consumer,
      topic,
      partition,
    ]);
    const [row]: { next_offset: string }[] = await manager.query(
      `SELECT next_offset FROM applied_offsets WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      [consumer, topic, partition],
    );
    const applied = BigInt(row.next_offset);
    const fresh = batch.filter((consumed) => BigInt(consumed.offset) >= applied);
    if (fresh.length === 0) return undefined;
    const result = await work(manager, fresh);
    const next = fresh.reduce((highest, consumed) => (BigInt(consumed.offset) > highest ? BigInt(consumed.offset) : highest), applied) + 1n;
    await manager.query(`UPDATE applied_offsets SET next_offset = $4 WHERE consumer = $1 AND topic = $2 AND partition = $3`, [
      consumer,
      topic,
      partition,
      next.toString(),
    ]);
    return result;
  });
}
