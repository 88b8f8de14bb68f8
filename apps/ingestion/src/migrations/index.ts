// Every migration of the ingestion database, listed explicitly and in order.
import { IngestionState1732400000000 } from './1732400000000-ingestion-state';
import { AnnouncedPatientLinks1732600000000 } from './1732600000000-announced-patient-links';
import { IdempotencyClaims1733500000000 } from './1733500000000-idempotency-claims';
import { ResourceVersions1733600000000 } from './1733600000000-resource-versions';
import { Attachments1733700000000 } from './1733700000000-attachments';
import { ImportJobs1733800000000 } from './1733800000000-import-jobs';
import { ImportPasses1733900000000 } from './1733900000000-import-passes';

export const migrations = [
  IngestionState1732400000000,
  AnnouncedPatientLinks1732600000000,
  IdempotencyClaims1733500000000,
  ResourceVersions1733600000000,
  Attachments1733700000000,
  ImportJobs1733800000000,
  ImportPasses1733900000000,
];
