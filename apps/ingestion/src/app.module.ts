// Wires the ingestion service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformKeys, PlatformModule, type Logger } from '@medshare/service-kit';
import { AttachmentController } from './attachments/attachment.controller';
import { AttachmentRepository } from './attachments/attachment.repository';
import { AttachmentUploads } from './attachments/attachment-uploads';
import { FileKeyClient } from './attachments/file-key.client';
import { InlineDataMover } from './attachments/inline-data';
import { BulkImports } from './bulk-import/bulk-imports';
import { ImportController } from './bulk-import/import.controller';
import { ImportJobRepository } from './bulk-import/import-job.repository';
import type { IngestionConfig } from './config';
import { FhirController } from './http/fhir.controller';
import { IngestionService } from './intake/ingestion.service';
import { ValidationThread } from './intake/validation-thread';
import { migrations } from './migrations';
import { IdempotencyRepository } from './persistence/idempotency.repository';
import { PatientLinkRepository } from './persistence/patient-link.repository';
import { ResourceVersionRepository } from './persistence/resource-version.repository';
import { SealingKeyRegistry } from './sealing/sealing-key.registry';

@Module({})
export class IngestionModule {
  static register(config: IngestionConfig, logger: Logger): DynamicModule {
    return {
      module: IngestionModule,
      imports: [PlatformModule.forRoot({ service: 'ingestion', config, logger, database: { entities: [], migrations }, keys: new PlatformKeys(config) })],
      controllers: [ImportController, FhirController, AttachmentController],
      providers: [
        IngestionService,
        ValidationThread,
        SealingKeyRegistry,
        IdempotencyRepository,
        PatientLinkRepository,
        ResourceVersionRepository,
        AttachmentRepository,
        AttachmentUploads,
        FileKeyClient,
        InlineDataMover,
        ImportJobRepository,
        BulkImports,
      ],
    };
  }
}
