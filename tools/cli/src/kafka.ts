// The CLI's Kafka client: KAFKA_* from the environment, else from the client.env that infra/kafka/kafka.sh wrote for
// this checkout's broker; as the operator principal.
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createKafka, kafkaSecurityFrom, withKafkaClientEnv } from '@medshare/messaging';
import { repoRoot } from './repo';

export function cliKafkaEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return withKafkaClientEnv(join(repoRoot, '.data/kafka/client.env'), env);
}

export function cliKafka(): Kafka {
  const env = cliKafkaEnv();
  return createKafka({ brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','), clientId: 'medshare-cli', security: kafkaSecurityFrom(env, 'operator') });
}
