// Wires the ledger service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Logger } from '@medshare/service-kit';
import type { LedgerConfig } from './config';
import { migrations } from './migrations';

@Module({})
export class LedgerModule {
  static register(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: LedgerModule,
      imports: [PlatformModule.forRoot({ service: 'ledger', config, logger, database: { entities: [], migrations } })],
    };
  }
}
