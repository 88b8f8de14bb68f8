// Resumable, streamed uploads of large files: the body is cut into fixed-size chunks, each encrypted under the
// file's key (AAD: file id and index) and stored at its keyed-hash address before the next is read, so memory
// holds one chunk whatever the file's size. Chunks already stored survive an interrupted request: the upload
// resumes at the first chunk not stored. The last chunk stores an encrypted manifest, closes the file's key and
// publishes files.stored.v1 (keyed hash, size, chunk count) for the ledger.
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { z } from 'zod';
import { chunkCount, chunkLength, chunkObjectKey, envelope, manifestObjectKey, newEventId, topics, type FileManifest } from '@medshare/contracts';
import { FileCipher, pseudonymise, type PseudonymKey } from '@medshare/crypto';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, ObjectStore, ObjectStoreError, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { Counter } from 'prom-client';
import type { IngestionConfig } from '../config';
import { IngestionError, IngestionErrorCode, failure } from '../intake/ingestion-error';
import { PatientLinkRepository } from '../persistence/patient-link.repository';
import { AttachmentRepository, type Attachment } from './attachment.repository';
import { FileKeyClient } from './file-key.client';

export interface UploadState {
  fileId: string;
  size: number;
  chunkBytes: number;
  /** Bytes stored so far: where the next PATCH starts. */
  offset: number;
  stored: boolean;
  fileHash?: string;
}

const FILE_ID = /^f-[0-9a-f-]{36}$/;
/** A PUT past its deadline may have been stored: the same chunk is put again (same address, same meaning). */
const PUT_ATTEMPTS = 3;

const creation = z.strictObject({
  patient: z.strictObject({ system: z.string().min(1).max(500), value: z.string().min(1).max(500) }),
  contentType: z.string().regex(/^[a-z]+\/[a-z0-9][a-z0-9.+-]{0,99}$/),
  size: z.number().int().min(0),
});

const chunksStored = new Counter({ name: 'medshare_attachment_chunks_stored_total', help: 'Encrypted attachment chunks stored in the object store' });

@Injectable()
export class AttachmentUploads implements OnModuleDestroy {
  private readonly store: ObjectStore;
  private readonly pseudonymKey: PseudonymKey;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly publisher: EventPublisher,
    private readonly keys: FileKeyClient,
    private readonly attachments: AttachmentRepository,
    private readonly links: PatientLinkRepository,
    platformKeys: PlatformKeys,
  ) {
    this.store = new ObjectStore(config);
    this.pseudonymKey = platformKeys.pseudonymKey();
  }

  onModuleDestroy(): void {
    this.store.destroy();
  }

  /** A new upload for a patient the institution already sent records of (named by one of their identifiers). */
  async create(institution: string, body: unknown): Promise<UploadState> {
    const parsed = creation.safeParse(body);
    if (!parsed.success) {
      throw new IngestionError(
        IngestionErrorCode.MalformedBody,
        parsed.error.issues.map((issue) => ({
          severity: 'error',
          code: 'invalid',
          details: { text: 'Expected {patient: {system, value}, contentType: type/subtype, size}' },
          expression: [issue.path.join('.') || 'body'],
        })),
      );
    }
    const { patient: identifier, contentType, size } = parsed.data;
    if (size > this.config.MAX_ATTACHMENT_BYTES)
      throw failure(IngestionErrorCode.TooLarge, 'too-costly', `Attachments are limited to ${this.config.MAX_ATTACHMENT_BYTES} bytes`, 'size');
    const pseudonym = pseudonymise(this.pseudonymKey, identifier.system, identifier.value, institution);
    const patient = (await this.links.linksOf([pseudonym])).links.get(pseudonym);
    if (patient === undefined)
      throw failure(IngestionErrorCode.InvalidResource, 'not-found', 'Unknown patient: send a record with this identifier first', 'patient');
    return stateOf(await this.open(institution, patient, contentType, size));
  }

  /** A whole file already in hand (a record's inline data), for a key owner the caller resolved: its file id once stored. */
  async storeBytes(institution: string, patient: string, contentType: string, bytes: Buffer): Promise<string> {
    const { fileId } = await this.open(institution, patient, contentType, bytes.byteLength);
    await this.append(institution, fileId, 0, [bytes]);
    return fileId;
  }

  private async open(institution: string, patient: string, contentType: string, size: number): Promise<Attachment> {
    const attachment = { fileId: `f-${newEventId()}`, institution, patient, size, chunkBytes: this.config.ATTACHMENT_CHUNK_BYTES, contentType };
    // The key first: a patient the encryption service cannot serve (erased) gets no upload at all.
    await this.keys.keyOf(attachment);
    await this.attachments.create(attachment);
    this.logger.info({ fileId: attachment.fileId, institution, size, chunkBytes: attachment.chunkBytes }, 'attachment upload created');
    return { ...attachment, nextChunk: 0, stored: false };
  }

  async state(institution: string, fileId: string): Promise<UploadState> {
    return stateOf(await this.owned(institution, fileId));
  }

  /**
   * Appends `body` at `offset` (which must be where the upload stands). Every whole chunk is stored as it arrives;
   * a chunk cut short by the end of the body or a broken connection is dropped, so the upload stands at a chunk
   * boundary (or its end) after every request.
   */
  async append(institution: string, fileId: string, offset: number, body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<UploadState> {
    const attachment = await this.owned(institution, fileId);
    const current = stateOf(attachment);
    if (offset !== current.offset)
      throw failure(
        IngestionErrorCode.UploadConflict,
        'conflict',
        'Upload-Offset is not where the upload stands: GET the upload and resume there',
        'Upload-Offset',
      );
    if (attachment.stored) return current;
    if (attachment.fileHash !== undefined) return stateOf(await this.announce(attachment, attachment.fileHash));
    const cipher = new FileCipher(await this.keys.keyOf(attachment), fileId);
    const chunks = chunkCount(attachment);
    let index = attachment.nextChunk;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const piece of body) {
      let rest = piece;
      while (rest.byteLength > 0) {
        if (index >= chunks) throw failure(IngestionErrorCode.TooLarge, 'too-costly', 'The body goes past the size declared for this upload');
        const take = rest.subarray(0, chunkLength(attachment, index) - pendingBytes);
        pending.push(take);
        pendingBytes += take.byteLength;
        rest = rest.subarray(take.byteLength);
        if (pendingBytes === chunkLength(attachment, index)) {
          await this.storeChunk(cipher, index, Buffer.concat(pending));
          index += 1;
          pending = [];
          pendingBytes = 0;
        }
      }
    }
    if (index < chunks) return stateOf({ ...attachment, nextChunk: index });
    const fileHash = await this.seal(attachment, cipher);
    return stateOf(await this.announce({ ...attachment, nextChunk: index }, fileHash));
  }

  private async owned(institution: string, fileId: string): Promise<Attachment> {
    // Another institution's upload and no upload look the same: a file id proves nothing about who sent it.
    const attachment = FILE_ID.test(fileId) ? await this.attachments.find(fileId) : undefined;
    if (attachment === undefined || attachment.institution !== institution)
      throw failure(IngestionErrorCode.UnknownAttachment, 'not-found', 'No upload of this institution has this id');
    return attachment;
  }

  private async storeChunk(cipher: FileCipher, index: number, plaintext: Buffer): Promise<void> {
    const address = cipher.chunkAddress(index, plaintext);
    await this.put(chunkObjectKey(cipher.fileId, address), cipher.encryptChunk(index, plaintext));
    if (!(await this.attachments.chunkStored(cipher.fileId, index, address))) {
      throw failure(IngestionErrorCode.UploadConflict, 'conflict', 'Another request is uploading this file: GET the upload and resume there');
    }
    chunksStored.inc();
  }

  /** The encrypted manifest, then the keyed hash kept: after this the upload needs its key no more. */
  private async seal(attachment: Attachment, cipher: FileCipher): Promise<string> {
    const addresses = await this.attachments.addresses(attachment.fileId);
    const manifest: FileManifest = {
      fileId: attachment.fileId,
      size: attachment.size,
      chunkBytes: attachment.chunkBytes,
      contentType: attachment.contentType,
      chunks: addresses,
    };
    await this.put(manifestObjectKey(attachment.fileId), cipher.sealManifest(manifest));
    const fileHash = cipher.fileHash(attachment.size, addresses);
    await this.attachments.setHash(attachment.fileId, fileHash);
    return fileHash;
  }

  /**
   * Close the key, then the ledger event, then stored: each step is safe to repeat, so a finish that failed part-way
   * is completed by the next PATCH at the end offset (the event may then be published twice: at least once).
   */
  private async announce(attachment: Attachment, fileHash: string): Promise<Attachment> {
    await this.keys.close(attachment);
    const stored = envelope(
      'files.stored.v1',
      'ingestion',
      {
        fileId: attachment.fileId,
        patient: attachment.patient,
        institution: attachment.institution,
        size: attachment.size,
        chunkCount: chunkCount(attachment),
        chunkBytes: attachment.chunkBytes,
        fileHash,
      },
      { subject: attachment.patient },
    );
    try {
      await this.publisher.publish(topics.files, [stored], { deadlineMs: this.config.PUBLISH_TIMEOUT_MS });
    } catch (error) {
      this.logger.warn({ fileId: attachment.fileId, error: error instanceof Error ? error.message : String(error) }, 'files.stored not acknowledged');
      throw failure(IngestionErrorCode.Unavailable, 'transient', 'The file is stored but not yet on the ledger: PATCH again at the end offset');
    }
    await this.attachments.markStored(attachment.fileId);
    this.logger.info({ fileId: attachment.fileId, size: attachment.size, chunks: chunkCount(attachment) }, 'attachment stored');
    return { ...attachment, stored: true, fileHash };
  }

  private async put(key: string, body: Buffer): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.store.put(key, body);
      } catch (error) {
        if (!(error instanceof ObjectStoreError)) throw error;
        this.logger.warn({ attempt, unknownOutcome: error.unknownOutcome, error: error.message }, 'object store write failed');
        if (!error.unknownOutcome || attempt >= PUT_ATTEMPTS) {
          throw failure(IngestionErrorCode.Unavailable, 'transient', 'The object store did not confirm the write: GET the upload and resume there');
        }
      }
    }
  }
}

function stateOf(attachment: Attachment): UploadState {
  return {
    fileId: attachment.fileId,
    size: attachment.size,
    chunkBytes: attachment.chunkBytes,
    offset: Math.min(attachment.size, attachment.nextChunk * attachment.chunkBytes),
    stored: attachment.stored,
    ...(attachment.fileHash !== undefined && { fileHash: attachment.fileHash }),
  };
}
