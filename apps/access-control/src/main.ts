import './instrumentation';
// Starts the access-control service: consent and grant intake, access decisions and the read path.
import { accessControlApi } from '@medshare/contracts';
import { bootstrapService, installJsonBodies } from '@medshare/service-kit';
import { AccessControlModule } from './app.module';
import { loadAccessControlConfig } from './config';
import { JSON_TYPES } from './http/json-body';

void bootstrapService({
  service: 'access-control',
  loadConfig: () => loadAccessControlConfig(),
  createModule: (config, logger) => AccessControlModule.register(config, logger),
  configure: (app, config) => installJsonBodies(app, { limit: config.MAX_BODY_BYTES, types: JSON_TYPES }),
  // Consents are FHIR resources and reads answer FHIR Bundles; agreements, roles and decisions are plain JSON.
  httpApi: accessControlApi,
});
