// Serves decrypt requests over Kafka request/reply (the only way plaintext ever leaves this service, sealed).
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { EventPublisher, serveRequests, type BatchConsumer } from '@medshare/messaging';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { EncryptionConfig } from '../config';
import { DecryptService } from './decrypt.service';

@Injectable()
export class DecryptServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: BatchConsumer;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly decrypt: DecryptService,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.server = serveRequests(this.kafka, this.publisher, {
      groupId: `${this.config.KAFKA_GROUP_ID}-decrypt`,
      source: this.config.SERVICE_SOURCE,
      requests: topics.decryptRequests,
      replies: topics.decryptReplies,
      requestType: 'encryption.decrypt-requested.v1',
      replyType: 'encryption.decrypt-replied.v1',
      handle: (request) => this.decrypt.answer(request),
      log: this.logger,
    });
    await this.server.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server?.stop();
  }
}
