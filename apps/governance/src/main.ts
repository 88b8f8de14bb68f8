import { governanceApi } from '@medshare/contracts';
import { bootstrapService } from '@medshare/service-kit';
import { GovernanceModule } from './app.module';
import { loadGovernanceConfig } from './config';

void bootstrapService({
  service: 'governance',
  loadConfig: () => loadGovernanceConfig(),
  createModule: (config, logger) => GovernanceModule.register(config, logger),
  httpApi: governanceApi,
});
