// Serves decrypt requests over Kafka request/reply (the only way plaintext ever leaves this service, sealed).
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { topics } from '@medshare/contracts';
import { ConsumerHost } from '@medshare/messaging';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import type { EncryptionConfig } from '../config';
import { DecryptService } from './decrypt.service';

@Injectable()
export class DecryptServer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly decrypt: DecryptService,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.serve('decrypt-requests', {
      groupId: `${this.config.KAFKA_GROUP_ID}-decrypt`,
      source: this.config.SERVICE_SOURCE,
      requests: topics.decryptRequests,
      replies: topics.decryptReplies,
      requestType: 'encryption.decrypt-requested.v1',
      replyType: 'encryption.decrypt-replied.v1',
      handle: (request) => this.decrypt.answer(request),
    });
  }
}
