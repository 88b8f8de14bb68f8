// One place that turns configuration into a kafkajs client, with kafkajs' own logs routed to ours.
import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type RequestTimeoutEvent } from 'kafkajs';
import { BrokerQuarantine } from './broker-quarantine';
import { kafkajsSecurity, kafkaSecurityFrom, type KafkaSecurity } from './kafka-security';

export interface KafkaLog {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  log?: KafkaLog;
  /**
   * Services pass their own (configuration, principal = service name). Without it, the process environment's
   * KAFKA_SECURITY & co. apply as the `operator` principal (or KAFKA_USERNAME): the CLI, tests and benchmarks.
   */
  security?: KafkaSecurity;
}

// kafkajs' 30 s default let a frozen (SIGSTOPped) leader stall every send for 30 s; 10 s is past the
// brokers' 9 s session timeout, after which the controller has moved leadership away from it.
const REQUEST_TIMEOUT_MS = 10_000;
const quarantines = new WeakMap<Kafka, BrokerQuarantine>();

export function createKafka({ brokers, clientId, log, security = kafkaSecurityFrom(process.env, 'operator') }: KafkaConnection): Kafka {
  // A broker that let a request time out is avoided for another request timeout: by then its partitions have moved.
  const quarantine = new BrokerQuarantine(REQUEST_TIMEOUT_MS);
  const kafka = new Kafka({
    brokers,
    clientId,
    ...kafkajsSecurity(security),
    connectionTimeout: 3000,
    requestTimeout: REQUEST_TIMEOUT_MS,
    socketFactory: quarantine.socketFactory,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => forward(log, entry),
  });
  quarantines.set(kafka, quarantine);
  return kafka;
}

/** A kafkajs producer, consumer or admin client. */
interface RequestTimeouts {
  readonly events: { REQUEST_TIMEOUT: string };
  on(eventName: string, listener: (event: RequestTimeoutEvent) => void): unknown;
}

/** After a request timeout of this client, every client of the Kafka instance leaves that broker (broker-quarantine.ts). */
export function avoidBrokersThatTimeOut(kafka: Kafka, client: RequestTimeouts): void {
  const quarantine = quarantines.get(kafka);
  if (!quarantine) return;
  client.on(client.events.REQUEST_TIMEOUT, ({ payload }: RequestTimeoutEvent) => quarantine.quarantine(payload.broker));
}

const CONCURRENT_TRANSACTIONS_MESSAGE = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

function forward(log: KafkaLog | undefined, { level, namespace, log: { message, error, groupId, topic } }: LogEntry): void {
  if (!log) return;
  // kafkajs entries carry broker and group facts, never message values; keep only the named fields.
  const fields = { component: 'kafkajs', namespace, error, groupId, topic };
  // A coordinator still finishing the previous transaction: retried (kafkajs; batch-transactions.ts), not an error.
  if (error === CONCURRENT_TRANSACTIONS_MESSAGE) log.debug(fields, message);
  else if (level === KafkaLogLevel.ERROR) log.error(fields, message);
  else if (level === KafkaLogLevel.WARN) log.warn(fields, message);
  else if (level === KafkaLogLevel.INFO) log.info(fields, message);
  else log.debug(fields, message);
}
