// Wires the governance service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher } from '@medshare/messaging';
import { DATA_SOURCE, LOGGER, PlatformKeys, PlatformModule, type Logger } from '@medshare/service-kit';
import { AlertRaiser } from './alerts/alert-raiser';
import { AlertsRepository } from './alerts/alerts.repository';
import { AuditProjector } from './audit/audit-projector';
import { AuthController } from './auth/auth.controller';
import { authProviders } from './auth/auth.providers';
import { CaseEscalator } from './cases/case-escalator';
import { CaseNotes, DEV_CASE_NOTES_KEY } from './cases/case-notes';
import { CasesController } from './cases/cases.controller';
import { CasesRepository } from './cases/cases.repository';
import { CasesService } from './cases/cases.service';
import { caseLimitsOf, privacyLimitsOf, type GovernanceConfig } from './config';
import { DashboardController } from './dashboard/dashboard.controller';
import { ConsumptionStats } from './consumption/consumption-stats';
import { GovernanceConsumer } from './consumption/governance.consumer';
import { GovernanceStart } from './consumption/governance-start';
import { DeadLetterMonitor } from './health/dead-letter-monitor';
import { DeadLettersRepository } from './health/dead-letters.repository';
import { LagMonitor } from './health/lag-monitor';
import { OutageMonitor } from './health/outage-monitor';
import { GovernanceController } from './http/governance.controller';
import { migrations } from './migrations';
import { OutboxRepository } from './outbox/outbox.repository';
import { PrivacyMonitor } from './privacy/privacy-monitor';
import { PrivacyStateRepository } from './privacy/privacy-state.repository';
import { QualityMonitor } from './quality/quality-monitor';
import { QualityRepository } from './quality/quality.repository';
import { VolumeMonitor } from './quality/volume-monitor';
import { ReportsController } from './reports/reports.controller';
import { reportsProviders } from './reports/reports.providers';
import { WebhooksController } from './webhooks/webhooks.controller';
import { webhooksProviders } from './webhooks/webhooks.providers';

@Module({})
export class GovernanceModule {
  static register(config: GovernanceConfig, logger: Logger): DynamicModule {
    const keys = new PlatformKeys(config);
    const repository = <T>(type: new (dataSource: DataSource) => T) => ({
      provide: type,
      inject: [DATA_SOURCE],
      useFactory: (dataSource: DataSource) => new type(dataSource),
    });
    return {
      module: GovernanceModule,
      imports: [PlatformModule.forRoot({ service: 'governance', config, logger, keys, database: { entities: [], migrations } })],
      controllers: [GovernanceController, CasesController, AuthController, ReportsController, DashboardController, WebhooksController],
      providers: [
        repository(AlertsRepository),
        repository(OutboxRepository),
        repository(PrivacyStateRepository),
        repository(QualityRepository),
        repository(DeadLettersRepository),
        { provide: CasesRepository, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new CasesRepository(dataSource, caseLimitsOf(config)) },
        {
          provide: PrivacyMonitor,
          inject: [PrivacyStateRepository],
          useFactory: (state: PrivacyStateRepository) => new PrivacyMonitor(state, privacyLimitsOf(config)),
        },
        {
          provide: CasesService,
          inject: [DATA_SOURCE, CasesRepository, AlertsRepository, OutboxRepository, EventPublisher, LOGGER],
          useFactory: (
            dataSource: DataSource,
            cases: CasesRepository,
            alerts: AlertsRepository,
            outbox: OutboxRepository,
            publisher: EventPublisher,
            log: Logger,
          ) => new CasesService(dataSource, cases, alerts, outbox, publisher, new CaseNotes(config.CASE_NOTES_KEY ?? DEV_CASE_NOTES_KEY), log),
        },
        { provide: ConsumptionStats, useValue: new ConsumptionStats() },
        AlertRaiser,
        GovernanceConsumer,
        QualityMonitor,
        VolumeMonitor,
        CaseEscalator,
        ...authProviders(config, keys),
        ...reportsProviders(config),
        ...webhooksProviders(config),
        OutageMonitor,
        LagMonitor,
        DeadLetterMonitor,
        AuditProjector,
        GovernanceStart,
      ],
    };
  }
}
