import { bootstrapService } from '@medshare/service-kit';
import { EncryptionModule } from './app.module';
import { loadEncryptionConfig } from './config';

void bootstrapService({ service: 'encryption', loadConfig: () => loadEncryptionConfig(), createModule: (config, logger) => EncryptionModule.register(config, logger) });
