// The testcontainers provider: used instead of the native servers only where a Docker engine answers.
// It binds the same host ports as the native scripts, so every test and service config stays the same.
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

const started: StartedTestContainer[] = [];

const kafkaEnvironment = {
  KAFKA_NODE_ID: '1',
  KAFKA_PROCESS_ROLES: 'broker,controller',
  KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:19092,CONTROLLER://0.0.0.0:19093',
  KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:19092',
  KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
  KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:19093',
  KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
  KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
  KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
  KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
  KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
  KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
  KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
};

const postgresPorts = [55432, 55433, 55434, 55435];

export async function startContainers(): Promise<void> {
  const kafka = new GenericContainer('apache/kafka:4.1.1')
    .withEnvironment(kafkaEnvironment)
    .withExposedPorts({ container: 19092, host: 19092 })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const postgres = postgresPorts.map((port) =>
    new GenericContainer('postgres:15')
      .withEnvironment({ POSTGRES_USER: 'medshare', POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: port === 55432 ? 'postgres' : 'ledger' })
      .withExposedPorts({ container: 5432, host: port })
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start(),
  );
  started.push(...(await Promise.all([kafka, ...postgres])));
}

export async function stopContainers(): Promise<void> {
  await Promise.all(started.splice(0).map((container) => container.stop()));
}
