// Wires the governance service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, PlatformKeys, PlatformModule, type Logger } from '@medshare/service-kit';
import { AlertsRepository } from './alerts/alerts.repository';
import { AuthController } from './auth/auth.controller';
import { authProviders } from './auth/auth.providers';
import type { GovernanceConfig } from './config';
import { DashboardController } from './dashboard/dashboard.controller';
import { ConsumptionStats } from './consumption/consumption-stats';
import { GovernanceConsumer } from './consumption/governance.consumer';
import { GovernanceController } from './http/governance.controller';
import { migrations } from './migrations';
import { ReportsController } from './reports/reports.controller';
import { reportsProviders } from './reports/reports.providers';

@Module({})
export class GovernanceModule {
  static register(config: GovernanceConfig, logger: Logger): DynamicModule {
    const keys = new PlatformKeys(config);
    return {
      module: GovernanceModule,
      imports: [PlatformModule.forRoot({ service: 'governance', config, logger, keys, database: { entities: [], migrations } })],
      controllers: [GovernanceController, AuthController, ReportsController, DashboardController],
      providers: [
        { provide: AlertsRepository, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new AlertsRepository(dataSource) },
        { provide: ConsumptionStats, useValue: new ConsumptionStats() },
        GovernanceConsumer,
        ...authProviders(config, keys),
        ...reportsProviders(config),
      ],
    };
  }
}
