import { encryptionApi } from '@medshare/contracts';
import { bootstrapService } from '@medshare/service-kit';
import { EncryptionModule } from './app.module';
import { loadEncryptionConfig } from './config';

void bootstrapService({
  service: 'encryption',
  loadConfig: () => loadEncryptionConfig(),
  createModule: (config, logger) => EncryptionModule.register(config, logger),
  // The operator API takes small JSON bodies only.
  configure: (app) => app.useBodyParser('json', { limit: '16kb' }),
  httpApi: encryptionApi,
});
