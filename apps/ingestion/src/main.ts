import './instrumentation';
import { ingestionApi } from '@medshare/contracts';
import { bootstrapService } from '@medshare/service-kit';
import { IngestionModule } from './app.module';
import { loadIngestionConfig } from './config';

void bootstrapService({
  service: 'ingestion',
  loadConfig: () => loadIngestionConfig(),
  createModule: (config, logger) => IngestionModule.register(config, logger),
  // All of ingestion's API is FHIR: every error, an unknown route's too, is an OperationOutcome (its fhirPaths).
  httpApi: ingestionApi,
});
