import './instrumentation';
import { ledgerApi } from '@medshare/contracts';
import { bootstrapService } from '@medshare/service-kit';
import { LedgerModule } from './app.module';
import { loadLedgerConfig } from './config';

void bootstrapService({
  service: 'ledger',
  loadConfig: () => loadLedgerConfig(),
  createModule: (config, logger) => LedgerModule.register(config, logger),
  httpApi: ledgerApi,
});
