// Asks the encryption service (Kafka request/reply) for the key of a file this instance uploads, and says when a
// file is complete. The key arrives sealed to this process's own X25519 key and stays in memory only while the
// upload is open: once a file is stored the encryption service releases its key under a read permit only.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { decryptReplyAad, envelope, topics, type EventData } from '@medshare/contracts';
import { generateSealingKeyPair, openRecordGroup } from '@medshare/crypto';
import { EventPublisher, RequestReplyClient } from '@medshare/messaging';
import { KAFKA, LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { IngestionConfig } from '../config';
import { IngestionErrorCode, failure } from '../intake/ingestion-error';

export interface FileOwner {
  fileId: string;
  patient: string;
  institution: string;
}

@Injectable()
export class FileKeyClient implements OnModuleInit, BeforeApplicationShutdown {
  private readonly replyKey = generateSealingKeyPair();
  private readonly client: RequestReplyClient;
  /** Keys of uploads in progress on this instance (a resume elsewhere asks again). */
  private readonly open = new Map<string, Buffer>();

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    publisher: EventPublisher,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.client = new RequestReplyClient(
      kafka,
      publisher,
      { requests: topics.fileKeyRequests, replies: topics.fileKeyReplies },
      { service: `ingestion-${config.INSTANCE_ID}`, log: logger },
    );
  }

  async onModuleInit(): Promise<void> {
    await this.client.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.client.stop();
  }

  /** The file's key: created by the encryption service on first ask, the same one again for a resume. */
  async keyOf(owner: FileOwner): Promise<Buffer> {
    const known = this.open.get(owner.fileId);
    if (known !== undefined) return known;
    const { answer, requestId } = await this.ask('open', owner);
    if (answer.outcome !== 'ok' || answer.sealed === undefined) throw this.refusal(answer);
    const [keyB64] = await openRecordGroup({ [this.replyKey.keyId]: this.replyKey.privateKeyB64 }, answer.sealed, decryptReplyAad(requestId));
    if (typeof keyB64 !== 'string') throw new Error('a file key reply must hold the key as base64');
    const key = Buffer.from(keyB64, 'base64');
    this.open.set(owner.fileId, key);
    return key;
  }

  /** The file is complete: from now on the encryption service refuses its key to ingestion. */
  async close(owner: FileOwner): Promise<void> {
    const { answer } = await this.ask('close', owner);
    if (answer.outcome !== 'ok') throw this.refusal(answer);
    this.open.get(owner.fileId)?.fill(0);
    this.open.delete(owner.fileId);
  }

  private async ask(action: 'open' | 'close', owner: FileOwner): Promise<{ answer: EventData<'files.key-replied.v1'>; requestId: string }> {
    const request = envelope(
      'files.key-requested.v1',
      'ingestion',
      { action, fileId: owner.fileId, patient: owner.patient, institution: owner.institution, replyKey: this.replyKey.publicKeyB64 },
      { subject: owner.patient },
    );
    let reply;
    try {
      // Only the trusted encryption deployment's key: another one on the bus must never key this file.
      reply = await this.client.request(request, this.config.FILE_KEY_TIMEOUT_MS, { from: this.config.SEALING_KEY_SOURCE });
    } catch (error) {
      this.logger.warn({ fileId: owner.fileId, action, error: error instanceof Error ? error.message : String(error) }, 'no file key answer');
      throw failure(IngestionErrorCode.Unavailable, 'transient', 'The key service did not answer: nothing was stored, resume later');
    }
    if (reply.type !== 'files.key-replied.v1') throw new Error(`unexpected reply type ${reply.type}`);
    return { answer: reply.data, requestId: request.id };
  }

  private refusal(answer: EventData<'files.key-replied.v1'>) {
    if (answer.outcome === 'erased') return failure(IngestionErrorCode.InvalidResource, 'deleted', 'The patient was erased: nothing can be stored for them');
    this.logger.warn({ outcome: answer.outcome, reason: answer.outcome === 'refused' ? answer.reason : undefined }, 'file key refused');
    return failure(IngestionErrorCode.UploadConflict, 'conflict', 'The file is no longer open for upload');
  }
}
