// Key lifecycle: first keys at start, KEK rotation (rewrap every DEK, retire the old KEKs), sealing-key rotation,
// and crypto-shredding of a patient. Each change is announced on the keys topic after it is committed.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { envelope, topics, type EventOn } from '@medshare/contracts';
import { generateSealingKeyPair, type SealingPrivateKeys } from '@medshare/crypto';
import { EventPublisher } from '@medshare/messaging';
import { LOGGER, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { masterSecretOf, type EncryptionConfig } from '../config';
import { kekVersionsToRetire, rewrapLiveDeks } from './kek-rotation';
import { KeyStoreRepository } from './key-store.repository';
import { SealingKeyWrap } from './sealing-key-wrap';
import { shredReasonRef } from './shred-reason';

export interface KekRotation {
  kekVersion: number;
  rewrappedDeks: number;
  retiredVersions: number[];
}

@Injectable()
export class KeyLifecycle implements OnModuleInit {
  private readonly masterSecret: Buffer;
  private readonly wrap: SealingKeyWrap;
  private privateKeys: SealingPrivateKeys = {};

  constructor(
    private readonly store: KeyStoreRepository,
    private readonly publisher: EventPublisher,
    @Inject(SERVICE_CONFIG) private readonly config: EncryptionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.masterSecret = masterSecretOf(config);
    this.wrap = new SealingKeyWrap(this.masterSecret);
  }

  /** First KEK and first sealing key of a fresh deployment; announces any key a crash left unannounced. */
  async onModuleInit(): Promise<void> {
    await this.store.withKeyring('exclusive', this.masterSecret, async () => undefined);
    const sealing = await this.store.sealingKeys();
    if (sealing.length === 0) await this.addSealingKey();
    await this.reloadSealingKeys();
    for (const key of await this.store.sealingKeys()) if (!key.announced) await this.announce(key.keyId, key.publicKey);
  }

  /** Every sealing private key this deployment ever had, by key id: in-flight boxes sealed to an old key still open. */
  sealingPrivateKeys(): SealingPrivateKeys {
    return this.privateKeys;
  }

  async reloadSealingKeys(): Promise<SealingPrivateKeys> {
    const rows = await this.store.sealingKeys();
    this.privateKeys = Object.fromEntries(rows.map((row) => [row.keyId, this.wrap.unwrap(row.keyId, row.wrappedPrivateKey)]));
    return this.privateKeys;
  }

  async rotateSealingKey(): Promise<{ keyId: string; publicKey: string }> {
    const key = await this.addSealingKey();
    await this.reloadSealingKeys();
    await this.announce(key.keyId, key.publicKey);
    return key;
  }

  /** Rewraps every live DEK under a new KEK in one transaction, then retires every older KEK: records are untouched. */
  async rotateKek(): Promise<KekRotation> {
    const rotation = await this.store.withKeyring('exclusive', this.masterSecret, async (keyring, tx) => {
      const kekVersion = await keyring.rotate();
      const rewrapped = await rewrapLiveDeks(keyring, await this.store.liveDeks(tx));
      await this.store.rewrapDeks(tx, rewrapped);
      const retiredVersions = kekVersionsToRetire(keyring.state().versions, kekVersion);
      for (const version of retiredVersions) await keyring.retire(version);
      return { kekVersion, rewrappedDeks: rewrapped.length, retiredVersions };
    });
    this.logger.info(rotation, 'KEK rotated');
    await this.publish(envelope('keys.kek-rotated.v1', this.config.SERVICE_SOURCE, rotation));
    return rotation;
  }

  /** Destroys the patient's DEK: every stored copy of their records stays ciphertext for good. */
  async shred(patient: string, reason: string): Promise<{ patient: string; destroyedDeks: number; reasonRef: string }> {
    const destroyedDeks = await this.store.withKeyring('shared', this.masterSecret, async (_keyring, tx) => this.store.shred(tx, patient));
    this.logger.info({ patient, destroyedDeks }, 'patient shredded');
    const reasonRef = shredReasonRef(this.masterSecret, reason);
    await this.publish(envelope('keys.patient-shredded.v1', this.config.SERVICE_SOURCE, { patient, destroyedDeks, reason: reasonRef }, { subject: patient }));
    return { patient, destroyedDeks, reasonRef };
  }

  async status(): Promise<{
    keks: { version: number; status: string; createdAt: string }[];
    deksByKek: Record<string, number>;
    sealingKeys: { keyId: string; current: boolean }[];
  }> {
    const keks = (await this.store.keyringStatus()).map(({ version, status, createdAt }) => ({ version, status, createdAt }));
    const sealing = await this.store.sealingKeys();
    return {
      keks,
      deksByKek: await this.store.dekCountsByKek(),
      sealingKeys: sealing.map((key, index) => ({ keyId: key.keyId, current: index === sealing.length - 1 })),
    };
  }

  private async addSealingKey(): Promise<{ keyId: string; publicKey: string }> {
    const pair = generateSealingKeyPair();
    await this.store.addSealingKey({ keyId: pair.keyId, publicKey: pair.publicKeyB64, wrappedPrivateKey: this.wrap.wrap(pair.keyId, pair.privateKeyB64) });
    return { keyId: pair.keyId, publicKey: pair.publicKeyB64 };
  }

  private async announce(keyId: string, publicKey: string): Promise<void> {
    await this.publish(envelope('keys.sealing-key-rotated.v1', this.config.SERVICE_SOURCE, { keyId, publicKey }));
    await this.store.markAnnounced(keyId);
    this.logger.info({ keyId }, 'sealing key announced');
  }

  private async publish(event: EventOn<typeof topics.keys>): Promise<void> {
    await this.publisher.publish(topics.keys, [event]);
  }
}
