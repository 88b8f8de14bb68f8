// Imported first by main.ts: tracing must be started before anything loads http or pg, so that both are traced.
import { startTracing } from '@medshare/service-kit/tracing';

startTracing('access-control');
