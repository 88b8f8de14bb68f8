// Where the test tiers find Kafka and PostgreSQL: the native defaults, or what the global set-up exported.
import { resolve } from 'node:path';
import { withKafkaClientEnv } from '../../libs/messaging/src/kafka-security';

/**
 * Takes the Kafka mode of this checkout's broker (plaintext, or sasl_ssl with its CA and credentials folder) from the
 * client.env infra/kafka/kafka.sh wrote, for every KAFKA_* variable not set already: test clients then connect as the
 * operator (libs/messaging createKafka) and the services the tests start, which inherit it, as themselves.
 */
export function adoptInfraKafkaEnv(): void {
  Object.assign(process.env, withKafkaClientEnv(resolve(__dirname, '../../.data/kafka/client.env'), process.env));
}
export interface TestEndpoints {
  kafkaBrokers: string[];
  /** postgres:// URLs without a database name: state instance first, then the ledger replicas. */
  stateServer: string;
  ledgerServers: string[];
}

export function testEndpoints(env: NodeJS.ProcessEnv = process.env): TestEndpoints {
  return {
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    stateServer: env.MEDSHARE_PG_STATE ?? 'postgres://medshare@127.0.0.1:55432',
    ledgerServers: (
      env.MEDSHARE_PG_LEDGERS ?? 'postgres://medshare@127.0.0.1:55433,postgres://medshare@127.0.0.1:55434,postgres://medshare@127.0.0.1:55435'
    ).split(','),
  };
}

/** A database URL on `server`, for a database of its own (created on first use by ensureDatabase). */
export function databaseUrl(server: string, database: string): string {
  return `${server}/${database}`;
}

/** Drops a throwaway test database (after the processes using it stopped). */
export async function dropDatabase(server: string, database: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: `${server}/postgres` });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** One query on its own connection: the rows. `connectTimeoutMs` bounds the connect for servers a test froze. */
export async function queryRows<T>(url: string, sql: string, params: unknown[] = [], connectTimeoutMs?: number): Promise<T[]> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
