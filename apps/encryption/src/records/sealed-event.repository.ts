// Sealed event ids already encrypted, each with the ingest.sealed message (partition, offset) that claimed it first.
//
// Why it keeps exactly once: a client's retry republishes a sealed event under the same id in another message, and
// only the claiming message publishes records.encrypted. The claim is committed BEFORE the batch's Kafka transaction,
// so a crash between the two leaves a claim whose message was not consumed: that message is delivered again, is
// still the owner and publishes (no loss); every other copy is skipped whatever happens to the claimer's transaction
// (no double). A redelivered claimer never finds another owner, as the first insert wins.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ConsumedEvent } from '@medshare/messaging';
import { DATA_SOURCE } from '@medshare/service-kit';

@Injectable()
export class SealedEventRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Claims each message's event id unless claimed already; answers the messages that own their id (the others are copies). */
  async owners(messages: readonly ConsumedEvent[]): Promise<ConsumedEvent[]> {
    if (messages.length === 0) return [];
    const ids = messages.map(({ event }) => event.id);
    // Within a batch the lower offset claims first (a later copy of a partition is the retry).
    const byOffset = [...messages].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    await this.dataSource.query(
      `INSERT INTO encrypted_sealed_events (event_id, sealed_partition, sealed_offset)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) ON CONFLICT (event_id) DO NOTHING`,
      [byOffset.map(({ event }) => event.id), byOffset.map(({ partition }) => partition), byOffset.map(({ offset }) => offset)],
    );
    // A statement of its own, so it sees a claim another instance committed while the insert waited on it.
    const rows: { event_id: string; sealed_partition: number; sealed_offset: string }[] = await this.dataSource.query(
      'SELECT event_id, sealed_partition, sealed_offset FROM encrypted_sealed_events WHERE event_id = ANY($1::text[])',
      [ids],
    );
    const owner = new Map(rows.map((row) => [row.event_id, `${row.sealed_partition}:${row.sealed_offset}`]));
    return messages.filter(({ event, partition, offset }) => owner.get(event.id) === `${partition}:${offset}`);
  }
}
