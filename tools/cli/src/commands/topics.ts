// `medshare topics create|list`: the topic registry of libs/contracts, applied to the broker (and, on a secured
// broker, the ACLs generated from it).
import { allTopics, kafkaAcls } from '@medshare/contracts';
import { applyAcls, ensureTopics } from '@medshare/messaging';
import type { CommandIo } from '../io';
import { cliKafka, cliKafkaEnv } from '../kafka';

export async function topicsCommand(args: string[], io: CommandIo): Promise<number> {
  const action = args[0];
  if ((action !== 'create' && action !== 'list') || args.length > 1) {
    io.err('usage: medshare topics create|list');
    return 2;
  }
  if (action === 'list') {
    for (const topic of allTopics)
      io.out(
        `${topic.name}\tkey=${topic.key}\tpartitions=${topic.partitions}\tretention=${topic.retentionMs < 0 ? 'forever' : `${topic.retentionMs / 3_600_000}h`}${topic.audited ? '\taudited' : ''}`,
      );
    return 0;
  }
  const kafka = cliKafka();
  // Unset: the brokers' default.replication.factor (3 on infra/kafka's cluster, 1 on a single node).
  const setting = process.env.KAFKA_REPLICATION_FACTOR;
  const replicationFactor = setting === undefined ? undefined : Number(setting);
  if (replicationFactor !== undefined && (!Number.isInteger(replicationFactor) || replicationFactor < 1)) {
    io.err('KAFKA_REPLICATION_FACTOR must be a whole number of at least 1');
    return 2;
  }
  const created = await ensureTopics(kafka, allTopics, replicationFactor);
  io.out(created.length === 0 ? 'all topics exist' : `created ${created.join(', ')}`);
  if (cliKafkaEnv().KAFKA_SECURITY === 'sasl_ssl') {
    const acls = await applyAcls(kafka, kafkaAcls());
    io.out(`acls: ${acls.created.length} created, ${acls.deleted} deleted`);
  }
  return 0;
}
