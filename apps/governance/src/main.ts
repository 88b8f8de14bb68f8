import './instrumentation';
import { governanceApi } from '@medshare/contracts';
import { bootstrapService, installJsonBodies } from '@medshare/service-kit';
import { GovernanceModule } from './app.module';
import { loadGovernanceConfig } from './config';
import { MAX_BODY_BYTES } from './http/parse-input';

void bootstrapService({
  service: 'governance',
  loadConfig: () => loadGovernanceConfig(),
  createModule: (config, logger) => GovernanceModule.register(config, logger),
  httpApi: governanceApi,
  // Refused bodies wait for the handler, which the officer guard runs before: no credential is a 401 whatever the body.
  configure: (app) => installJsonBodies(app, { limit: MAX_BODY_BYTES }),
});
