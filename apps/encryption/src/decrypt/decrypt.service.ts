// Answers a decrypt request: only for a valid, unexpired, unused permit signed by access control; the plaintext
// leaves this process sealed to the requester's reply key. Every refusal is also a governance alert (no content).
import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { decryptReplyAad, envelope, newEventId, topics, type EventData, type EventOf } from '@medshare/contracts';
import { deIdentify } from '@medshare/consent';
import { CryptoError, decryptRecord, sealRecordGroup, sealingKeyId, verifyPermit, type Permit } from '@medshare/crypto';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { Counter } from 'prom-client';
import type { EncryptionConfig } from '../config';
import { PatientKeys, dekVersionOf } from '../keys/patient-keys';
import { EncryptedRecordRepository } from '../records/encrypted-record.repository';
import { PermitUseRepository } from './permit-use.repository';

type Reply = EventData<'encryption.decrypt-replied.v1'>;

const PSEUDONYM = /^p-[a-z2-7]{16,64}$/;
const repliesTotal = new Counter({ name: 'medshare_decrypt_replies_total', help: 'Decrypt requests answered, by outcome', labelNames: ['outcome'] });

@Injectable()
export class DecryptService {
  private readonly permitKey: KeyObject;

  constructor(
    private readonly patientKeys: PatientKeys,
    private readonly records: EncryptedRecordRepository,
    private readonly permitUses: PermitUseRepository,
    private readonly publisher: EventPublisher,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.permitKey = new PlatformKeys(config).permitPublicKey();
  }

  async answer(request: EventOf<'encryption.decrypt-requested.v1'>): Promise<Reply> {
    const verdict = verifyPermit(this.permitKey, request.data.permit, new Date());
    if (!verdict.ok) return this.refuse(request, `permit ${verdict.reason}`);
    const permit = verdict.permit;
    if (!PSEUDONYM.test(permit.patient)) return this.refuse(request, 'permit names no patient pseudonym', permit);
    const replyKey = Buffer.from(request.data.replyKey, 'base64');
    if (replyKey.byteLength !== 32) return this.refuse(request, 'replyKey is not a raw X25519 public key', permit);
    if (!(await this.permitUses.claim(permit.decisionId, request.id))) return this.refuse(request, 'permit already used', permit);

    const key = (await this.patientKeys.keysOf([permit.patient], { create: false })).get(permit.patient);
    if (key?.kind === 'erased') return this.reply({ outcome: 'erased', patient: permit.patient });
    const rows = key === undefined ? [] : await this.records.ofPatient(permit.patient, permit.resourceTypes);
    const resources: unknown[] = [];
    try {
      for (const row of rows) {
        const plaintext = decryptRecord({
          dek: (key as { dek: Buffer }).dek,
          iv: Buffer.from(row.iv, 'base64'),
          ciphertext: Buffer.from(row.ciphertext, 'base64'),
          tag: Buffer.from(row.tag, 'base64'),
          aad: { recordId: row.recordId, patient: row.patient, institution: row.institution, dekVersion: dekVersionOf(row.dekId) },
        });
        const resource: unknown = JSON.parse(plaintext.toString('utf8'));
        resources.push(permit.deIdentify === true ? deIdentify(resource) : resource);
      }
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      return this.refuse(request, `a stored record failed to authenticate (${error.code})`, permit);
    } finally {
      if (key?.kind === 'live') key.dek.fill(0);
    }
    const sealed = await sealRecordGroup(request.data.replyKey, sealingKeyId(replyKey), resources, decryptReplyAad(request.id));
    this.logger.info({ requestId: request.id, decisionId: permit.decisionId, records: rows.length }, 'decrypt request answered');
    return this.reply({ outcome: 'ok', sealed, records: rows.map((row) => ({ recordId: row.recordId, resourceType: row.resourceType, institution: row.institution })) });
  }

  private reply(reply: Reply): Reply {
    repliesTotal.inc({ outcome: reply.outcome });
    return reply;
  }

  private async refuse(request: EventOf<'encryption.decrypt-requested.v1'>, reason: string, permit?: Permit): Promise<Reply> {
    this.logger.warn({ requestId: request.id, reason }, 'decrypt request refused');
    const institution = permit?.requester.institution;
    const alert = envelope(
      'governance.alert.v1',
      this.config.SERVICE_SOURCE,
      {
        alertId: newEventId(),
        kind: 'decrypt-refused' as const,
        severity: 'warning' as const,
        summary: `decrypt request refused: ${reason}`,
        ...(institution !== undefined && /^[a-z0-9][a-z0-9-]{1,62}$/.test(institution) ? { institution } : {}),
        details: { requestId: request.id, reason, ...(permit === undefined ? {} : { decisionId: permit.decisionId }) },
      },
      { cause: request },
    );
    await this.publisher.publish(topics.governanceAlerts, [alert]);
    return this.reply({ outcome: 'refused', reason });
  }
}
