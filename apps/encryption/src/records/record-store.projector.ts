// Keeps the encrypted record store as a projection of records.encrypted: a new group (or an empty store) replays
// the topic from its beginning and rebuilds the same rows (STORE_START=latest skips that, for throwaway stores only).
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { topics, type EventOf } from '@medshare/contracts';
import { ConsumerHost, type ConsumedEvent } from '@medshare/messaging';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import type { EncryptionConfig } from '../config';
import { EncryptedRecordRepository } from './encrypted-record.repository';

/**
 * The records this deployment encrypted (its `source`): only its own keys open them. A record another deployment
 * put on the topic would fail to authenticate at every read of its patient and turn each such read into a refusal.
 */
export function encryptedRecordsOf(events: readonly ConsumedEvent[], source: string): EventOf<'records.encrypted.v1'>[] {
  return events
    .map(({ event }) => event)
    .filter((event): event is EventOf<'records.encrypted.v1'> => event.type === 'records.encrypted.v1' && event.source === source);
}

@Injectable()
export class RecordStoreProjector implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly records: EncryptedRecordRepository,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.consume('record-store', {
      groupId: this.config.STORE_GROUP_ID ?? `${this.config.KAFKA_GROUP_ID}-store`,
      topics: [topics.recordsEncrypted],
      fromBeginning: this.config.STORE_START === 'earliest',
      handle: async (events) => {
        await this.records.project(encryptedRecordsOf(events, this.config.SERVICE_SOURCE));
      },
    });
  }
}
