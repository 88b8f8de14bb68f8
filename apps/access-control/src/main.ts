// Starts the access-control service: consent and grant intake, access decisions and the read path.
import { accessControlApi } from '@medshare/contracts';
import { bootstrapService } from '@medshare/service-kit';
import { AccessControlModule } from './app.module';
import { loadAccessControlConfig } from './config';
import { installJsonBodies } from './http/json-body';

void bootstrapService({
  service: 'access-control',
  loadConfig: () => loadAccessControlConfig(),
  createModule: (config, logger) => AccessControlModule.register(config, logger),
  configure: (app, config) => installJsonBodies(app, config.MAX_BODY_BYTES),
  // Consents are FHIR resources and reads answer FHIR Bundles; agreements, roles and decisions are plain JSON.
  httpApi: accessControlApi,
});
