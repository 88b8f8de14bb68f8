// Consumes ingest.sealed in batches: opens each patient group, encrypts its records under the patient's DEK and
// publishes records.encrypted. Boxes that do not open, or whose content does not match their event, are dead-lettered.
// Exactly once: a batch's records.encrypted events, dead letters and offsets are one Kafka transaction, so a crash
// between publishing and committing can no longer publish a record twice (with another event id and ciphertext);
// and a sealed event id is encrypted by the one message that claimed it (SealedEventRepository), so a copy that a
// retried submission republished is skipped.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { sealedGroupAad, topics, type EventOf } from '@medshare/contracts';
import { CryptoError, openRecordGroup } from '@medshare/crypto';
import { ConsumerHost, type BatchContext, type ConsumedEvent } from '@medshare/messaging';
import { LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { Counter } from 'prom-client';
import type { EncryptionConfig } from '../config';
import { KeyLifecycle } from '../keys/key-lifecycle.service';
import { PatientKeys } from '../keys/patient-keys';
import { encryptOpenedGroups, matchesRecordList, type OpenedGroup } from './record-encryption';
import { SealedEventRepository } from './sealed-event.repository';

const encryptedTotal = new Counter({ name: 'medshare_records_encrypted_total', help: 'Records encrypted and published' });
const copiesSkipped = new Counter({
  name: 'medshare_sealed_copies_skipped_total',
  help: 'ingest.sealed messages skipped because another message carried the same sealed event id first',
});

@Injectable()
export class SealedRecordConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly keys: KeyLifecycle,
    private readonly patientKeys: PatientKeys,
    private readonly sealedEvents: SealedEventRepository,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.consume('sealed-records', {
      groupId: `${this.config.KAFKA_GROUP_ID}-sealed`,
      transactionalId: `${this.config.KAFKA_GROUP_ID}-sealed`,
      topics: [topics.ingestSealed],
      fromBeginning: this.config.SEALED_START === 'earliest',
      handle: (events, context) => this.handle(events, context),
    });
  }

  async handle(events: ConsumedEvent[], context: BatchContext): Promise<void> {
    const sealedEvents = events.filter((consumed) => consumed.event.type === 'ingest.sealed.v1');
    let keyring = this.keys.sealingPrivateKeys();
    if (sealedEvents.some((consumed) => !Object.hasOwn(keyring, (consumed.event as EventOf<'ingest.sealed.v1'>).data.sealed.keyId))) {
      // Another instance may have rotated the sealing key since this one loaded its keys.
      keyring = await this.keys.reloadSealingKeys();
    }
    // Every HPKE open is a chain of async WebCrypto calls: opening the batch's boxes together overlaps them.
    const outcomes = await Promise.all(
      sealedEvents.map(async (consumed) => {
        const sealedEvent = consumed.event as EventOf<'ingest.sealed.v1'>;
        const { sealed, ...metadata } = sealedEvent.data;
        try {
          return { consumed, sealedEvent, records: await openRecordGroup(keyring, sealed, sealedGroupAad(metadata)) };
        } catch (error) {
          return { consumed, sealedEvent, error };
        }
      }),
    );
    let opened: { consumed: ConsumedEvent; group: OpenedGroup }[] = [];
    for (const { consumed, sealedEvent, records, error } of outcomes) {
      if (records === undefined) {
        if (!(error instanceof CryptoError) && !(error instanceof SyntaxError)) throw error;
        context.reject(consumed, `sealed box refused: ${error instanceof CryptoError ? error.code : 'not JSON'}`);
      } else if (!matchesRecordList(records, sealedEvent.data.records)) {
        context.reject(consumed, 'sealed content does not match the event record list');
      } else {
        opened.push({ consumed, group: { sealedEvent, records } });
      }
    }
    const owners = new Set(await this.sealedEvents.owners(opened.map(({ consumed }) => consumed)));
    if (owners.size < opened.length) {
      copiesSkipped.inc(opened.length - owners.size);
      this.logger.info({ copies: opened.length - owners.size }, 'sealed events already encrypted from another message skipped');
      opened = opened.filter(({ consumed }) => owners.has(consumed));
    }
    if (opened.length === 0) return;
    const dataKeys = await this.patientKeys.keysOf(
      opened.map(({ group }) => group.sealedEvent.data.patient),
      { create: true },
    );
    let encrypted: EventOf<'records.encrypted.v1'>[];
    try {
      const { events: encryptedEvents, erased } = encryptOpenedGroups(opened, dataKeys, this.config.SERVICE_SOURCE);
      for (const consumed of erased) context.reject(consumed, 'patient erased: records of a shredded patient are not stored');
      encrypted = encryptedEvents;
    } finally {
      for (const key of dataKeys.values()) if (key.kind === 'live') key.dek.fill(0);
    }
    context.emit(topics.recordsEncrypted, encrypted);
    encryptedTotal.inc(encrypted.length);
    this.logger.debug({ groups: opened.length, records: encrypted.length }, 'records encrypted');
  }
}
