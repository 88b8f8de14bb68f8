// Wires the encryption service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Logger } from '@medshare/service-kit';
import type { EncryptionConfig } from './config';
import { migrations } from './migrations';

@Module({})
export class EncryptionModule {
  static register(config: EncryptionConfig, logger: Logger): DynamicModule {
    return {
      module: EncryptionModule,
      imports: [PlatformModule.forRoot({ service: 'encryption', config, logger, database: { entities: [], migrations } })],
    };
  }
}
