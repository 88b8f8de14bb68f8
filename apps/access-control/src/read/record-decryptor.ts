// Asks the encryption service to decrypt a permitted read: a signed permit over Kafka request/reply, the answer
// sealed to this instance's own X25519 key (no plaintext on Kafka), opened here.
import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { decryptReplyAad, envelope, topics } from '@medshare/contracts';
import { generateSealingKeyPair, openSealedBox, signPermit, type Permit, type SealedBox } from '@medshare/crypto';
import { EventPublisher, RequestReplyClient, RequestTimeoutError } from '@medshare/messaging';
import { KAFKA, LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import type { FhirResource } from '@medshare/fhir';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';
import { SERVICE_SOURCE } from '../decisions/access-audit.publisher';
import type { AccessControlConfig } from '../config';

export interface DecryptedRecord {
  recordId: string;
  resourceType: string;
  institution: string;
  resource: FhirResource;
}

/** A permit as this service asks for it; signing adds its expiry and this instance's reply key. */
export type RecordPermit = Omit<Permit, 'expiresAt' | 'replyKeyId'>;

export type DecryptOutcome = { kind: 'records'; records: DecryptedRecord[] } | { kind: 'erased' };

export type FileKeyOutcome = { kind: 'key'; key: Buffer; institution: string } | { kind: 'erased' } | { kind: 'unknown-file' };

@Injectable()
export class RecordDecryptor implements OnModuleInit, BeforeApplicationShutdown {
  /** Fresh per process: replies to this instance can only be opened by it, and a restart forgets nothing it needs. */
  private readonly replyKey = generateSealingKeyPair();
  private readonly client: RequestReplyClient;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    publisher: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) private readonly config: AccessControlConfig,
    private readonly keys: PlatformKeys,
  ) {
    this.client = new RequestReplyClient(
      kafka,
      publisher,
      { requests: topics.decryptRequests, replies: topics.decryptReplies },
      { service: `access-control-${config.INSTANCE_ID}`, log: logger },
    );
  }

  async onModuleInit(): Promise<void> {
    await this.client.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.client.stop();
  }

  async decrypt(permit: RecordPermit): Promise<DecryptOutcome> {
    const { answer, requestId } = await this.ask(permit);
    switch (answer.outcome) {
      case 'erased':
        return { kind: 'erased' };
      case 'refused':
        // Our own permit refused means a key or clock mismatch between services: an operator problem, not the caller's.
        this.logger.error({ decisionId: permit.decisionId, reason: answer.reason }, 'the encryption service refused our permit');
        throw new AccessControlError(AccessControlErrorCode.Unavailable, 'the encryption service refused the read: nothing was disclosed');
      case 'ok': {
        const resources = await this.open(answer.sealed, requestId);
        if (resources.length !== answer.records.length) throw new Error('decrypted records do not match the reply list');
        return {
          kind: 'records',
          records: answer.records.map((meta, index) => {
            const resource = resources[index] as FhirResource;
            if (typeof resource !== 'object' || resource === null || resource.resourceType !== meta.resourceType)
              throw new Error(`record ${meta.recordId} is not a ${meta.resourceType}`);
            return { ...meta, resource };
          }),
        };
      }
    }
  }

  /** A permitted read of one file: its key (sealed to this instance on the way) and the institution that holds it. */
  async fileKey(permit: Omit<Permit, 'expiresAt' | 'replyKeyId'> & { file: string }): Promise<FileKeyOutcome> {
    // Only the trusted encryption deployment knows the file: another one on the bus would answer "refused" first.
    const { answer, requestId } = await this.ask(permit, undefined, this.config.SEALING_KEY_SOURCE);
    switch (answer.outcome) {
      case 'erased':
        return { kind: 'erased' };
      case 'refused':
        // A file id that names no stored file of this patient: the caller's mistake (or probe), told apart from nothing.
        return { kind: 'unknown-file' };
      case 'ok': {
        const [keyB64] = await this.open(answer.sealed, requestId);
        const holder = answer.records[0];
        if (typeof keyB64 !== 'string' || holder === undefined || holder.recordId !== permit.file)
          throw new Error('a file key reply must hold the key and name the file');
        return { kind: 'key', key: Buffer.from(keyB64, 'base64'), institution: holder.institution };
      }
    }
  }

  /** A permitted review of a break-glass reason: the encryption service opens the sealed copy and seals it to us. */
  async reveal(permit: Omit<Permit, 'expiresAt' | 'replyKeyId'> & { reveals: string }, sealed: SealedBox): Promise<string> {
    const { answer, requestId } = await this.ask(permit, { decisionId: permit.reveals, sealed });
    if (answer.outcome !== 'ok') {
      this.logger.error({ decisionId: permit.decisionId, outcome: answer.outcome }, 'the encryption service did not open a break-glass reason for review');
      throw new AccessControlError(AccessControlErrorCode.Unavailable, 'the encryption service did not open the reason: nothing was disclosed');
    }
    const [reason] = await this.open(answer.sealed, requestId);
    if (typeof reason !== 'string') throw new Error('the revealed reason is not text');
    return reason;
  }

  /** One signed permit over request/reply; every failure to get an answer is a 503 that disclosed nothing. */
  private async ask(permit: Omit<Permit, 'expiresAt' | 'replyKeyId'>, reveal?: { decisionId: string; sealed: SealedBox }, from?: string) {
    const expiresAt = new Date(Date.now() + this.config.PERMIT_TTL_SECONDS * 1000).toISOString();
    // The permit names this instance's reply key: the encryption service seals to no other, whoever presents it.
    const signed = signPermit(this.keys.permitPrivateKey(), { ...permit, replyKeyId: this.replyKey.keyId, expiresAt });
    const request = envelope(
      'encryption.decrypt-requested.v1',
      SERVICE_SOURCE,
      { permit: signed, replyKey: this.replyKey.publicKeyB64, ...(reveal && { reveal }) },
      { subject: permit.patient },
    );
    let reply;
    try {
      reply = await this.client.request(request, this.config.DECRYPT_TIMEOUT_MS, from === undefined ? {} : { from });
    } catch (error) {
      const text = error instanceof RequestTimeoutError ? 'the encryption service did not answer in time' : 'the decrypt request could not be sent';
      this.logger.warn({ decisionId: permit.decisionId, error: error instanceof Error ? error.message : String(error) }, text);
      throw new AccessControlError(AccessControlErrorCode.Unavailable, `${text}: nothing was disclosed, try again`);
    }
    if (reply.type !== 'encryption.decrypt-replied.v1') throw new Error(`unexpected reply type ${reply.type}`);
    return { answer: reply.data, requestId: request.id };
  }

  private async open(sealed: SealedBox, requestId: string): Promise<unknown[]> {
    if (sealed.keyId !== this.replyKey.keyId) throw new Error('reply sealed to another key');
    const plaintext = await openSealedBox({ [this.replyKey.keyId]: this.replyKey.privateKeyB64 }, sealed, decryptReplyAad(requestId));
    const values: unknown = JSON.parse(Buffer.from(plaintext).toString('utf8'));
    if (!Array.isArray(values)) throw new Error('a decrypt reply must hold a JSON array');
    return values;
  }
}
