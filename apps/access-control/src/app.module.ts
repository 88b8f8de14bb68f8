// Wires the access-control service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { EventPublisher } from '@medshare/messaging';
import { DATA_SOURCE, KAFKA, PlatformKeys, PlatformModule, type Logger } from '@medshare/service-kit';
import { AccessDecisions } from './access-decisions';
import { FhirReadController } from './http/fhir-read.controller';
import { OwnSubmissions } from './own-submissions';
import { RequesterAuthenticator } from './auth/requester-authenticator';
import { ClientIds } from './client-ids';
import type { AccessControlConfig } from './config';
import { AccessAuditPublisher } from './decisions/access-audit.publisher';
import { BreakGlassReasons } from './decisions/break-glass-reasons';
import { AttachmentReader } from './files/attachment-reader';
import { FileController } from './files/file.controller';
import { AccessController } from './http/access.controller';
import { migrations } from './migrations';
import { AccessProjection } from './projection/access-projection';
import { ProjectionFeed } from './projection/projection-feed';
import { ProjectionRepository } from './projection/projection.repository';
import { RecordDecryptor } from './read/record-decryptor';
import { Submissions } from './submissions';

@Module({})
export class AccessControlModule {
  static register(config: AccessControlConfig, logger: Logger): DynamicModule {
    const keys = new PlatformKeys(config);
    const projection = new AccessProjection(config.SEALING_KEY_SOURCE);
    const ids = new ClientIds(keys.pseudonymKey());
    return {
      module: AccessControlModule,
      imports: [PlatformModule.forRoot({ service: 'access-control', config, logger, database: { entities: [], migrations }, keys })],
      controllers: [AccessController, FhirReadController, FileController],
      providers: [
        OwnSubmissions,
        { provide: AccessProjection, useValue: projection },
        { provide: ClientIds, useValue: ids },
        {
          provide: RequesterAuthenticator,
          useValue: new RequesterAuthenticator(keys.institutionKeyring(), projection.practitioners, (id) => ids.practitioner(id)),
        },
        { provide: ProjectionRepository, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new ProjectionRepository(dataSource) },
        {
          provide: BreakGlassReasons,
          inject: [DATA_SOURCE],
          useFactory: (dataSource: DataSource) => new BreakGlassReasons(dataSource, keys.pseudonymKey().secret, () => projection.currentSealingKey),
        },
        {
          provide: AccessAuditPublisher,
          inject: [EventPublisher, BreakGlassReasons, KAFKA],
          useFactory: (publisher: EventPublisher, reasons: BreakGlassReasons, kafka: Kafka) =>
            new AccessAuditPublisher(publisher, reasons, config.PUBLISH_TIMEOUT_MS, new EventPublisher(kafka), new EventPublisher(kafka)),
        },
        ProjectionFeed,
        RecordDecryptor,
        AccessDecisions,
        Submissions,
        AttachmentReader,
      ],
    };
  }
}
