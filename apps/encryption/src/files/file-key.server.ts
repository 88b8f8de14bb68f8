// Serves ingestion's file-key requests over Kafka request/reply (medshare.files.key-requests.v1 -> key-replies.v1).
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { topics } from '@medshare/contracts';
import { ConsumerHost } from '@medshare/messaging';
import { LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { EncryptionConfig } from '../config';
import { FileKeys } from './file-keys.service';

@Injectable()
export class FileKeyServer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly fileKeys: FileKeys,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.serve('file-key-requests', {
      groupId: `${this.config.KAFKA_GROUP_ID}-file-keys`,
      source: this.config.SERVICE_SOURCE,
      requests: topics.fileKeyRequests,
      replies: topics.fileKeyReplies,
      requestType: 'files.key-requested.v1',
      replyType: 'files.key-replied.v1',
      handle: async (request) => {
        const reply = await this.fileKeys.answer(request);
        if (reply.outcome !== 'ok')
          this.logger.warn({ requestId: request.id, action: request.data.action, outcome: reply.outcome }, 'file key request not granted');
        return reply;
      },
    });
  }
}
