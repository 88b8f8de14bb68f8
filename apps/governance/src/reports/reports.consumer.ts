// Feeds the report tables from the topics, in a consumer group of its own (`<KAFKA_GROUP_ID>-reports`) that reads
// each topic from its beginning: a fresh database is rebuilt with the same reports.
import { Inject, Injectable } from '@nestjs/common';
import { topics, type EventOf } from '@medshare/contracts';
import { ConsumerHost, type ConsumedEvent } from '@medshare/messaging';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import type { GovernanceConfig } from '../config';
import { ReportsRepository } from './reports.repository';

@Injectable()
export class ReportsConsumer {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GovernanceConfig,
    private readonly consumers: ConsumerHost,
    private readonly reports: ReportsRepository,
  ) {}

  async start(): Promise<void> {
    await this.consumers.consume('reports', {
      groupId: `${this.config.KAFKA_GROUP_ID}-reports`,
      topics: [topics.recordsDisclosed, topics.keys, topics.identity],
      fromBeginning: true,
      handle: (batch) => this.handle(batch),
    });
  }

  private async handle(batch: readonly ConsumedEvent[]): Promise<void> {
    const events = batch.map(({ event }) => event);
    const ofType = <T extends ConsumedEvent['event']['type']>(type: T) => events.filter((event): event is EventOf<T> => event.type === type);
    await this.reports.storeDisclosures(ofType('records.disclosed.v1'));
    await this.reports.storeShreds(ofType('keys.patient-shredded.v1'));
    await this.reports.storeLinks(ofType('identity.linked.v1'));
  }
}
