// Feeds the report tables from the topics, in a consumer group of its own (`<KAFKA_GROUP_ID>-reports`) that reads
// each topic from its beginning: a fresh database is rebuilt with the same reports.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { topics, type EventOf } from '@medshare/contracts';
import { BatchConsumer, EventPublisher, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, LOGGER, Readiness, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { GovernanceConfig } from '../config';
import { ReportsRepository } from './reports.repository';

@Injectable()
export class ReportsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: BatchConsumer;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(SERVICE_CONFIG) config: GovernanceConfig,
    @Inject(LOGGER) log: Logger,
    publisher: EventPublisher,
    private readonly reports: ReportsRepository,
    private readonly readiness: Readiness,
  ) {
    this.consumer = new BatchConsumer(kafka, publisher, {
      groupId: `${config.KAFKA_GROUP_ID}-reports`,
      topics: [topics.recordsDisclosed, topics.keys, topics.identity],
      fromBeginning: true,
      handle: (batch) => this.handle(batch),
      log,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
    this.readiness.register('reports-consumer', async () => {
      if (!this.consumer.isRunning) throw new Error('reports consumer is not running');
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(batch: readonly ConsumedEvent[]): Promise<void> {
    const events = batch.map(({ event }) => event);
    const ofType = <T extends ConsumedEvent['event']['type']>(type: T) => events.filter((event): event is EventOf<T> => event.type === type);
    await this.reports.storeDisclosures(ofType('records.disclosed.v1'));
    await this.reports.storeShreds(ofType('keys.patient-shredded.v1'));
    await this.reports.storeLinks(ofType('identity.linked.v1'));
  }
}
