// Wires the governance service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Logger } from '@medshare/service-kit';
import type { GovernanceConfig } from './config';
import { migrations } from './migrations';

@Module({})
export class GovernanceModule {
  static register(config: GovernanceConfig, logger: Logger): DynamicModule {
    return {
      module: GovernanceModule,
      imports: [PlatformModule.forRoot({ service: 'governance', config, logger, database: { entities: [], migrations } })],
    };
  }
}
