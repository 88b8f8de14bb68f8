// Learns the encryption service's sealing public key from the keys topic: every instance reads the whole topic
// in a consumer group of its own, so a rotated key is picked up without a restart and a restart re-learns it.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { topics } from '@medshare/contracts';
import { sealingKeyId } from '@medshare/crypto';
import { ConsumerHost, type ConsumedEvent } from '@medshare/messaging';
import { LOGGER, Readiness, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { IngestionConfig } from '../config';
import type { SealingPublicKey } from './record-sealer';

@Injectable()
export class SealingKeyRegistry implements OnApplicationBootstrap {
  private key?: SealingPublicKey;

  constructor(
    private readonly consumers: ConsumerHost,
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
    await this.consumers.consume('sealing-keys', {
      groupId: `${this.config.KAFKA_GROUP_ID}-keys-${randomUUID()}`,
      topics: [topics.keys],
      fromBeginning: true,
      handle: async (events) => this.learn(events),
    });
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
