import { bootstrapService } from '@medshare/service-kit';
import { AccessControlModule } from './app.module';
import { loadAccessControlConfig } from './config';

void bootstrapService({ service: 'access-control', loadConfig: () => loadAccessControlConfig(), createModule: (config, logger) => AccessControlModule.register(config, logger) });
