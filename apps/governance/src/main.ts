import { governanceApi } from '@medshare/contracts';
import { bootstrapService } from '@medshare/service-kit';
import { GovernanceModule } from './app.module';
import { loadGovernanceConfig } from './config';
import { MAX_BODY_BYTES } from './http/parse-input';

void bootstrapService({
  service: 'governance',
  loadConfig: () => loadGovernanceConfig(),
  createModule: (config, logger) => GovernanceModule.register(config, logger),
  httpApi: governanceApi,
  configure: (app) => app.useBodyParser('json', { limit: MAX_BODY_BYTES, type: 'application/json', strict: true }),
});
