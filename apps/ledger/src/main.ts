import './instrumentation';
import { ledgerApi } from '@medshare/contracts';
import { useFastRecordBatchDecoder } from '@medshare/messaging';
import { bootstrapService } from '@medshare/service-kit';
import { LedgerModule } from './app.module';
import { loadLedgerConfig } from './config';

// Before the first fetch: kafkajs' record decoding was the ledger's largest single cost (libs/messaging README).
useFastRecordBatchDecoder();

void bootstrapService({
  service: 'ledger',
  loadConfig: () => loadLedgerConfig(),
  createModule: (config, logger) => LedgerModule.register(config, logger),
  httpApi: ledgerApi,
});
