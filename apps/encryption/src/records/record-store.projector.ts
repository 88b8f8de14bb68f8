// Keeps the encrypted record store as a projection of records.encrypted: a new group (or an empty store) replays
// the topic from its beginning and rebuilds the same rows (STORE_START=latest skips that, for throwaway stores only).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { topics, type EventOf } from '@medshare/contracts';
import { BatchConsumer, EventPublisher, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { EncryptionConfig } from '../config';
import { EncryptedRecordRepository } from './encrypted-record.repository';

export function encryptedRecordsOf(events: readonly ConsumedEvent[]): EventOf<'records.encrypted.v1'>[] {
  return events.map(({ event }) => event).filter((event): event is EventOf<'records.encrypted.v1'> => event.type === 'records.encrypted.v1');
}

@Injectable()
export class RecordStoreProjector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: BatchConsumer;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly records: EncryptedRecordRepository,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new BatchConsumer(this.kafka, this.publisher, {
      groupId: this.config.STORE_GROUP_ID ?? `${this.config.KAFKA_GROUP_ID}-store`,
      topics: [topics.recordsEncrypted],
      fromBeginning: this.config.STORE_START === 'earliest',
      handle: async (events) => {
        await this.records.project(encryptedRecordsOf(events));
      },
      log: this.logger,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
