// Wires the access-control service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type Logger } from '@medshare/service-kit';
import type { AccessControlConfig } from './config';
import { migrations } from './migrations';

@Module({})
export class AccessControlModule {
  static register(config: AccessControlConfig, logger: Logger): DynamicModule {
    return {
      module: AccessControlModule,
      imports: [PlatformModule.forRoot({ service: 'access-control', config, logger, database: { entities: [], migrations } })],
    };
  }
}
