// The compliance-report parts of the governance module.
import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';
import type { GovernanceConfig } from '../config';
import { LedgerProofs } from './ledger-proofs';
import { ReportsConsumer } from './reports.consumer';
import { ReportsRepository } from './reports.repository';

export function reportsProviders(config: GovernanceConfig): Provider[] {
  return [
    { provide: ReportsRepository, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new ReportsRepository(dataSource) },
    { provide: LedgerProofs, useValue: new LedgerProofs(config.LEDGER_URL, config.LEDGER_TIMEOUT_MS) },
    ReportsConsumer,
  ];
}
