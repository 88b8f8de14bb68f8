// Wires the ingestion service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Logger } from '@medshare/service-kit';
import type { IngestionConfig } from './config';
import { migrations } from './migrations';

@Module({})
export class IngestionModule {
  static register(config: IngestionConfig, logger: Logger): DynamicModule {
    return {
      module: IngestionModule,
      imports: [PlatformModule.forRoot({ service: 'ingestion', config, logger, database: { entities: [], migrations } })],
    };
  }
}
