// One place that turns configuration into a kafkajs client, with kafkajs' own logs routed to ours.
import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';

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
}

export function createKafka({ brokers, clientId, log }: KafkaConnection): Kafka {
  return new Kafka({
    brokers,
    clientId,
    connectionTimeout: 3000,
    // kafkajs' 30 s default let a frozen (SIGSTOPped) leader stall every send for 30 s; 10 s is past the
    // brokers' 9 s session timeout, after which the controller has moved leadership away from it.
    requestTimeout: 10_000,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => forward(log, entry),
  });
}

function forward(log: KafkaLog | undefined, { level, namespace, log: { message, error, groupId, topic } }: LogEntry): void {
  if (!log) return;
  // kafkajs entries carry broker and group facts, never message values; keep only the named fields.
  const fields = { component: 'kafkajs', namespace, error, groupId, topic };
  if (level === KafkaLogLevel.ERROR) log.error(fields, message);
  else if (level === KafkaLogLevel.WARN) log.warn(fields, message);
  else if (level === KafkaLogLevel.INFO) log.info(fields, message);
  else log.debug(fields, message);
}
