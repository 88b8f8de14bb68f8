// Every migration of the ingestion database, listed explicitly and in order.
import { IngestionState1732400000000 } from './1732400000000-ingestion-state';

export const migrations = [IngestionState1732400000000];
