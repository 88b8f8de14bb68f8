// Answers a decrypt request: only for a valid, unexpired, unused permit signed by access control; the plaintext
// leaves this process sealed to the requester's reply key. Every refusal is also a governance alert (no content).
import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { breakGlassReasonAad, decryptReplyAad, topics, type EventData, type EventOf } from '@medshare/contracts';
import { CryptoError, openSealedBox, sealRecordGroup, sealingKeyId, type Permit } from '@medshare/crypto';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { Counter } from 'prom-client';
import type { EncryptionConfig } from '../config';
import { KeyLifecycle } from '../keys/key-lifecycle.service';
import { PatientKeys } from '../keys/patient-keys';
import { FileKeys } from '../files/file-keys.service';
import { EncryptedRecordRepository } from '../records/encrypted-record.repository';
import { admitDecryptRequest } from './decrypt-admission';
import { PermitUseRepository } from './permit-use.repository';
import { decryptRefusalAlert } from './refusal-alert';
import { openReleasedRecords } from './released-records';

type Reply = EventData<'encryption.decrypt-replied.v1'>;

const repliesTotal = new Counter({ name: 'medshare_decrypt_replies_total', help: 'Decrypt requests answered, by outcome', labelNames: ['outcome'] });

@Injectable()
export class DecryptService {
  private readonly permitKey: KeyObject;

  constructor(
    private readonly patientKeys: PatientKeys,
    private readonly records: EncryptedRecordRepository,
    private readonly permitUses: PermitUseRepository,
    private readonly publisher: EventPublisher,
    private readonly keyLifecycle: KeyLifecycle,
    private readonly fileKeys: FileKeys,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    keys: PlatformKeys,
  ) {
    this.permitKey = keys.permitPublicKey();
  }

  async answer(request: EventOf<'encryption.decrypt-requested.v1'>): Promise<Reply> {
    const admission = admitDecryptRequest(this.permitKey, request.data, new Date());
    if (!admission.admitted) return this.refuse(request, admission.reason, admission.permit);
    const { permit, replyKey } = admission;
    const isRecordRead = request.data.reveal === undefined && permit.reveals === undefined && permit.file === undefined;
    // A record read fetches the patient's key, then the ciphertexts, while the permit's use is claimed; nothing is
    // decrypted unless the claim succeeds. The rows are read only after the key: a patient whose key and first record
    // are stored between two concurrent reads would otherwise give rows without a key to open them.
    const [claimed, { key, rows }] = await Promise.all([
      this.permitUses.claim(permit.decisionId, request.id),
      isRecordRead ? this.keyAndRows(permit) : { key: undefined, rows: [] },
    ]);
    if (!claimed) {
      if (key?.kind === 'live') key.dek.fill(0);
      return this.refuse(request, 'permit already used', permit);
    }
    if (request.data.reveal !== undefined || permit.reveals !== undefined) return this.reveal(request, permit, replyKey);
    if (permit.file !== undefined) {
      const released = await this.fileKeys.release({ ...permit, file: permit.file }, request.data.replyKey, request.id);
      if ('refuse' in released) return this.refuse(request, released.refuse, permit);
      this.logger.info({ requestId: request.id, decisionId: permit.decisionId, outcome: released.outcome }, 'file key request answered');
      return this.reply(released);
    }

    if (key?.kind === 'erased') return this.reply({ outcome: 'erased', patient: permit.patient });
    let resources: unknown[] = [];
    try {
      if (key !== undefined) resources = openReleasedRecords(permit, key.dek, rows);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      return this.refuse(request, `a stored record failed to authenticate (${error.code})`, permit);
    } finally {
      if (key?.kind === 'live') key.dek.fill(0);
    }
    const sealed = await sealRecordGroup(request.data.replyKey, sealingKeyId(replyKey), resources, decryptReplyAad(request.id));
    this.logger.info({ requestId: request.id, decisionId: permit.decisionId, records: rows.length }, 'decrypt request answered');
    return this.reply({
      outcome: 'ok',
      sealed,
      records: rows.map((row) => ({ recordId: row.recordId, resourceType: row.resourceType, institution: row.institution })),
    });
  }

  private async keyAndRows(permit: Permit) {
    const key = (await this.patientKeys.keysOf([permit.patient], { create: false })).get(permit.patient);
    const rows = key === undefined ? [] : await this.records.ofPatient(permit.patient, permit.resourceTypes);
    return { key, rows };
  }

  /** A permitted review of a break-glass reason (access control decided who may read it): no record is touched. */
  private async reveal(request: EventOf<'encryption.decrypt-requested.v1'>, permit: Permit, replyKey: Buffer): Promise<Reply> {
    const { reveal } = request.data;
    if (reveal === undefined || permit.reveals !== reveal.decisionId) return this.refuse(request, 'permit does not name this break-glass reason', permit);
    let reason: string;
    try {
      reason = Buffer.from(
        await openSealedBox(this.keyLifecycle.sealingPrivateKeys(), reveal.sealed, breakGlassReasonAad(reveal.decisionId, permit.patient)),
      ).toString('utf8');
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      return this.refuse(request, `the sealed break-glass reason did not open (${error.code})`, permit);
    }
    const sealed = await sealRecordGroup(request.data.replyKey, sealingKeyId(replyKey), [reason], decryptReplyAad(request.id));
    this.logger.info({ requestId: request.id, decisionId: permit.decisionId }, 'break-glass reason revealed to a permitted review');
    return this.reply({ outcome: 'ok', sealed, records: [] });
  }

  private reply(reply: Reply): Reply {
    repliesTotal.inc({ outcome: reply.outcome });
    return reply;
  }

  private async refuse(request: EventOf<'encryption.decrypt-requested.v1'>, reason: string, permit?: Permit): Promise<Reply> {
    this.logger.warn({ requestId: request.id, reason }, 'decrypt request refused');
    await this.publisher.publish(topics.governanceAlerts, [decryptRefusalAlert(request, reason, this.config.SERVICE_SOURCE, permit)]);
    return this.reply({ outcome: 'refused', reason });
  }
}
