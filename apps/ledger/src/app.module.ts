// Wires the ledger service: the shared platform (Kafka, PostgreSQL, health, metrics), the replicas, the
// writer, verification and the HTTP API.
import { Module, type DynamicModule } from '@nestjs/common';
import { createPublicKey } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { EventPublisher } from '@medshare/messaging';
import { BearerTokens, DATA_SOURCE, KAFKA, LOGGER, PlatformKeys, PlatformModule, type Logger } from '@medshare/service-kit';
import { ledgerRoleTokens, type LedgerConfig } from './config';
import { LEDGER_PUBLIC_KEY, LEDGER_REPLICAS, LEDGER_ROLE_TOKENS, LedgerController } from './http/ledger.controller';
import { ProofIndex } from './http/proof-index';
import { TiledTree } from './proofs/tiled-tree';
import { TileStore } from './proofs/tile-store';
import { LedgerLifecycle } from './ledger-lifecycle';
import { migrations } from './migrations';
import { QuorumView } from './replica/quorum-view';
import { Replica } from './replica/replica';
import { ReplicaSet } from './replica/replica-set';
import { LedgerVerification } from './verification/ledger-verification';
import { VerificationJobs } from './verification/verification-jobs';
import { LedgerWriter } from './writer/ledger-writer';

@Module({})
export class LedgerModule {
  static register(config: LedgerConfig, logger: Logger): DynamicModule {
    const keys = new PlatformKeys(config);
    const privateKey = keys.ledgerPrivateKey();
    const publicKey = createPublicKey(privateKey);
    const replicaSet = new ReplicaSet(
      config.LEDGER_REPLICA_URLS.map(
        (url, i) =>
          new Replica(
            i,
            url,
            (replica, reason) => logger.warn({ replica: replica.name, reason }, 'replica writer session lost'),
            config.LEDGER_REPLICA_TIMEOUT_MS,
            config.LEDGER_LEASE_MS,
          ),
      ),
    );
    const replicas = replicaSet.members;
    return {
      module: LedgerModule,
      imports: [PlatformModule.forRoot({ service: 'ledger', config, logger, database: { entities: [], migrations }, keys })],
      controllers: [LedgerController],
      providers: [
        { provide: LEDGER_REPLICAS, useValue: replicas },
        { provide: ReplicaSet, useValue: replicaSet },
        { provide: LEDGER_PUBLIC_KEY, useValue: publicKey },
        { provide: LEDGER_ROLE_TOKENS, useValue: new BearerTokens(ledgerRoleTokens(config)) },
        {
          provide: LedgerWriter,
          inject: [KAFKA, EventPublisher, LOGGER],
          useFactory: (kafka: Kafka, publisher: EventPublisher, log: Logger) =>
            new LedgerWriter({
              replicas: replicaSet,
              kafka,
              publisher,
              logger: log,
              signer: { privateKey, origin: config.LEDGER_ORIGIN },
              publicKey,
              groupId: config.KAFKA_GROUP_ID,
              maxEvents: config.BLOCK_MAX_EVENTS,
              maxAgeMs: config.BLOCK_MAX_AGE_MS,
              retryMs: config.LEDGER_REPLICA_RETRY_MS,
              startFrom: config.LEDGER_START_FROM,
              lagAlertBlocks: config.LEDGER_REPLICA_LAG_ALERT_BLOCKS,
            }),
        },
        { provide: QuorumView, inject: [LedgerWriter], useFactory: (writer: LedgerWriter) => new QuorumView(replicaSet, writer) },
        {
          provide: ProofIndex,
          inject: [QuorumView, DATA_SOURCE],
          useFactory: (quorum: QuorumView, dataSource: DataSource) => new ProofIndex(quorum, new TiledTree(new TileStore(dataSource)), publicKey),
        },
        {
          provide: LedgerVerification,
          inject: [LedgerWriter, EventPublisher, LOGGER],
          useFactory: (writer: LedgerWriter, publisher: EventPublisher, log: Logger) => new LedgerVerification(replicaSet, writer, publisher, publicKey, log),
        },
        {
          provide: VerificationJobs,
          inject: [LedgerVerification, LOGGER],
          useFactory: (verification: LedgerVerification, log: Logger) => new VerificationJobs(verification, log),
        },
        LedgerLifecycle,
      ],
    };
  }
}
