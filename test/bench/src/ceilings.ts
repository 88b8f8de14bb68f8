// The raw ceilings the modules are judged against, measured in the same run on the same servers: kafkajs
// produce and consume of ~600-byte messages, binary COPY of the ledger's row shape into the three replicas
// until two of three hold every block (the commit quorum), and the per-record crypto of the hot paths. On a
// shared, noisy machine only a module's figure divided by a ceiling measured minutes apart means anything.
import { createCipheriv, generateKeyPairSync, hash, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { QueryRunner } from 'typeorm';
import { createKafka } from '@medshare/messaging';
import { COPY_HEADER, COPY_TRAILER, EVENT_COLUMNS, encodedRowsOf } from '../../../apps/ledger/src/replica/binary-copy';
import { replicaMigrations } from '../../../apps/ledger/src/replica/migrations';
import type { EventRow } from '../../../apps/ledger/src/block/sealed-block';
import { dropDatabase, testEndpoints } from '../../support/endpoints';

export const CEILINGS = ['kafka-produce', 'kafka-consume', 'copy-2of3', 'sha256-leaf', 'ed25519-sign', 'ed25519-verify', 'aes-gcm-record'] as const;
export type CeilingName = (typeof CEILINGS)[number];
/** Operations per second (messages, rows, hashes, signatures, records), one core for the crypto ones. */
export type Ceilings = Record<CeilingName, number>;

const EVENT_BYTES = 600;
const KAFKA_MESSAGES = Number(process.env.BENCH_CEILING_MESSAGES ?? 60_000);
const COPY_BLOCKS = Number(process.env.BENCH_CEILING_BLOCKS ?? 40);
const BLOCK_ROWS = 1_000;
const CPU_MS = 300;

export async function measureCeilings(): Promise<Ceilings> {
  const [produce, consume] = await kafkaCeilings();
  return {
    'kafka-produce': produce,
    'kafka-consume': consume,
    'copy-2of3': await copyCeiling(),
    ...cryptoCeilings(),
  };
}

/** One idempotent producer (acks=-1, sends of 1,000 over 6 partitions), then one consumer with the ledger's fetch sizes. */
async function kafkaCeilings(): Promise<[number, number]> {
  const id = randomUUID().slice(0, 8);
  const topic = `bench-ceiling-${id}`;
  const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `bench-ceiling-${id}` });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
    const value = Buffer.from(JSON.stringify({ id, pad: 'x'.repeat(EVENT_BYTES - 40) }));
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    let started = performance.now();
    try {
      for (let sent = 0; sent < KAFKA_MESSAGES; sent += 1_000) {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 1_000 }, () => ({ value })) });
      }
    } finally {
      await producer.disconnect();
    }
    const produce = KAFKA_MESSAGES / ((performance.now() - started) / 1000);

    const consumer = kafka.consumer({ groupId: `bench-ceiling-${id}`, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 24 * 1024 * 1024 });
    await consumer.connect();
    let seen = 0;
    let finished = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      // Timed from joining the group on: the join's round trips are no part of consuming.
      consumer.on(consumer.events.GROUP_JOIN, () => (started = performance.now()));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= KAFKA_MESSAGES && finished === 0) {
            finished = performance.now();
            done();
          }
        },
      });
      await all;
    } finally {
      await consumer.disconnect();
    }
    return [produce, KAFKA_MESSAGES / ((finished - started) / 1000)];
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Blocks of 1,000 ledger rows (the ledger's own encoding and table), one transaction each, written to every
 * replica in order; the figure is rows/s until the second replica holds them all (2 of 3, as commits need).
 */
async function copyCeiling(): Promise<number> {
  const database = `bench_ceiling_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const servers = testEndpoints().ledgerServers;
  const blocks = Array.from({ length: COPY_BLOCKS }, (_, height) => rowsOf(height));
  const clients: Client[] = [];
  try {
    for (const server of servers) {
      const admin = new Client({ connectionString: `${server}/postgres` });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${database}"`).finally(() => admin.end());
      const client = new Client({ connectionString: `${server}/${database}` });
      await client.connect();
      clients.push(client);
      for (const migration of replicaMigrations) await new migration().up({ query: (sql: string) => client.query(sql) } as unknown as QueryRunner);
    }
    const started = performance.now();
    const finished = await Promise.all(
      clients.map(async (client) => {
        for (const rows of blocks) {
          await client.query('BEGIN');
          await pipeline(
            Readable.from([COPY_HEADER, encodedRowsOf(rows), COPY_TRAILER]),
            client.query(copyFrom(`COPY ledger_events (${EVENT_COLUMNS}) FROM STDIN (FORMAT binary)`)),
          );
          await client.query('COMMIT');
        }
        return performance.now();
      }),
    );
    const quorum = finished.sort((a, b) => a - b)[Math.floor(servers.length / 2)];
    return (COPY_BLOCKS * BLOCK_ROWS) / ((quorum - started) / 1000);
  } finally {
    for (const client of clients) await client.end().catch(() => undefined);
    for (const server of servers) await dropDatabase(server, database);
  }
}

function rowsOf(height: number): EventRow[] {
  return Array.from({ length: BLOCK_ROWS }, (_, i) => {
    const canonical = randomBytes(EVENT_BYTES);
    return {
      leafIndex: height * BLOCK_ROWS + i,
      height,
      eventId: randomUUID(),
      eventType: 'access.decision.v1',
      topic: 'access.decisions',
      partition: i % 6,
      offset: String(height * BLOCK_ROWS + i),
      canonical,
      leafHash: hash('sha256', canonical, 'buffer'),
    };
  });
}

/**
 * Operations per second of `op` on this thread: the best of three windows of about CPU_MS after a short warm-up.
 * A ceiling is what the machine can do, and on a shared machine one window may lose most of its time slice.
 */
function rate(op: (n: number) => void): number {
  for (let n = 0; n < 200; n += 1) op(n);
  let best = 0;
  for (let window = 0; window < 3; window += 1) {
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < CPU_MS) {
      for (let n = 0; n < 100; n += 1) op(count + n);
      count += 100;
    }
    best = Math.max(best, count / ((performance.now() - started) / 1000));
  }
  return best;
}

function cryptoCeilings(): Pick<Ceilings, 'sha256-leaf' | 'ed25519-sign' | 'ed25519-verify' | 'aes-gcm-record'> {
  const leafInput = Buffer.concat([Buffer.from([0]), randomBytes(EVENT_BYTES)]);
  const header = randomBytes(200);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, header, privateKey);
  const key = randomBytes(32);
  const record = randomBytes(EVENT_BYTES);
  const aad = randomBytes(100);
  return {
    'sha256-leaf': rate(() => hash('sha256', leafInput, 'buffer')),
    'ed25519-sign': rate(() => sign(null, header, privateKey)),
    'ed25519-verify': rate(() => verify(null, header, publicKey, signature)),
    'aes-gcm-record': rate(() => {
      const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
      cipher.setAAD(aad);
      cipher.update(record);
      cipher.final();
      cipher.getAuthTag();
    }),
  };
}
