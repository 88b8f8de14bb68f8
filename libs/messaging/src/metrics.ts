// Prometheus metrics of the Kafka edge, on the process-wide registry every service exposes at /metrics.
import { Counter, Gauge, Histogram, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const messagingMetrics = {
  published: once(
    'medshare_events_published_total',
    () => new Counter({ name: 'medshare_events_published_total', help: 'Events acknowledged by Kafka', labelNames: ['topic'] }),
  ),
  consumed: once(
    'medshare_events_consumed_total',
    () => new Counter({ name: 'medshare_events_consumed_total', help: 'Events handled and committed', labelNames: ['group', 'topic'] }),
  ),
  deadLettered: once(
    'medshare_events_dead_lettered_total',
    () => new Counter({ name: 'medshare_events_dead_lettered_total', help: 'Messages sent to the dead-letter topic', labelNames: ['group', 'topic'] }),
  ),
  handlerRetries: once(
    'medshare_handler_retries_total',
    () => new Counter({ name: 'medshare_handler_retries_total', help: 'Batch handler attempts that failed and were retried', labelNames: ['group'] }),
  ),
  rejoins: once(
    'medshare_consumer_rejoins_total',
    () => new Counter({ name: 'medshare_consumer_rejoins_total', help: 'Consumers that joined their group again after it forgot them', labelNames: ['group'] }),
  ),
  lag: once(
    'medshare_consumer_lag',
    () =>
      new Gauge({
        name: 'medshare_consumer_lag',
        help: 'Messages behind the high watermark after the last batch',
        labelNames: ['group', 'topic', 'partition'],
      }),
  ),
  roundTrip: once(
    'medshare_request_round_trip_seconds',
    () =>
      new Histogram({
        name: 'medshare_request_round_trip_seconds',
        help: 'Request/reply over Kafka, from sending the request to its reply (or timeout): access control decrypting a read, ingestion fetching a file key',
        labelNames: ['topic', 'outcome'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  ),
  batchSeconds: once(
    'medshare_batch_handler_seconds',
    () =>
      new Histogram({
        name: 'medshare_batch_handler_seconds',
        help: 'Time to handle and commit one batch',
        labelNames: ['group'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      }),
  ),
};
