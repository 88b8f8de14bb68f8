import './instrumentation';
import { encryptionApi } from '@medshare/contracts';
import { bootstrapService, installJsonBodies } from '@medshare/service-kit';
import { EncryptionModule } from './app.module';
import { loadEncryptionConfig } from './config';

void bootstrapService({
  service: 'encryption',
  loadConfig: () => loadEncryptionConfig(),
  createModule: (config, logger) => EncryptionModule.register(config, logger),
  // The operator API takes small JSON bodies only (judged after the operator token).
  configure: (app) => installJsonBodies(app, { limit: '16kb' }),
  httpApi: encryptionApi,
});
