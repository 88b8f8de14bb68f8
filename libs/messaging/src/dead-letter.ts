// The one shape of a dead letter on medshare.deadletter.v1: the refused message's own key, value and headers,
// plus where it came from and why it was refused. Every consumer (and the ledger's marker leaves) builds it here.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

export interface DeadLetter {
  message: KafkaMessage;
  topic: string;
  partition: number;
  /** A code or a sentence of the consumer's words: never a value from the message. */
  reason: string;
}

export function deadLetterMessage(groupId: string, { message, topic, partition, reason }: DeadLetter): Message {
  const headers: IHeaders = {
    ...(message.headers ?? {}),
    'dlq.reason': reason,
    'dlq.topic': topic,
    'dlq.partition': String(partition),
    'dlq.offset': message.offset,
    'dlq.group': groupId,
    'dlq.time': new Date().toISOString(),
  };
  return { key: message.key, value: message.value, headers };
}
