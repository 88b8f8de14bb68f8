// Learns the encryption service's sealing public key from the keys topic: every instance reads the whole topic
// in a consumer group of its own, so a rotated key is picked up without a restart and a restart re-learns it.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { sealingKeyId } from '@medshare/crypto';
import { BatchConsumer, EventPublisher, type ConsumedEvent } from '@medshare/messaging';
import { KAFKA, LOGGER, Readiness, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { IngestionConfig } from '../config';
import type { SealingPublicKey } from './record-sealer';

@Injectable()
export class SealingKeyRegistry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private key?: SealingPublicKey;
  private consumer?: BatchConsumer;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly readiness: Readiness,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The newest key announced by the trusted encryption deployment, or undefined before the first one. */
  current(): SealingPublicKey | undefined {
    return this.key;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('sealing-key', async () => {
      if (this.key === undefined) throw new Error('no sealing key announced on the keys topic yet');
    });
    this.consumer = new BatchConsumer(this.kafka, this.publisher, {
      groupId: `${this.config.KAFKA_GROUP_ID}-keys-${randomUUID()}`,
      topics: [topics.keys],
      fromBeginning: true,
      handle: async (events) => this.learn(events),
      log: this.logger,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  /** The keys topic has one partition, so the last announcement in it is the newest. */
  private learn(events: ConsumedEvent[]): void {
    for (const { event } of events) {
      if (event.type !== 'keys.sealing-key-rotated.v1' || event.source !== this.config.SEALING_KEY_SOURCE) continue;
      const { keyId, publicKey } = event.data;
      if (sealingKeyId(Buffer.from(publicKey, 'base64')) !== keyId) {
        this.logger.warn({ keyId }, 'ignoring a sealing key whose id does not match its public key');
        continue;
      }
      if (this.key?.keyId !== keyId) this.logger.info({ keyId }, 'sealing key learned');
      this.key = { keyId, publicKeyB64: publicKey };
    }
  }
}
