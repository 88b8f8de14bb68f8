// Reads audit events with any Kafka client's ordinary means (kafkajs here): TLS 1.3 with the CA pinned, SCRAM-SHA-512
// as the analyst's principal, a consumer group of the analyst's own prefix, every partition from its beginning up to
// where it ended when the script started. Settings: the variables `npx medshare analyst-credentials` writes.
'use strict';
const { randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { Kafka, logLevel } = require('kafkajs');

/** The process environment, overridden by the KEY=VALUE lines of `--env FILE` (the analyst's settings). */
function settingsFrom(argv) {
  const at = argv.indexOf('--env');
  const lines = at < 0 ? [] : readFileSync(argv[at + 1], 'utf8').split('\n');
  const fromFile = lines.map((line) => /^([A-Z_]+)=(.*)$/.exec(line)).filter((match) => match !== null);
  return { ...process.env, ...Object.fromEntries(fromFile.map((match) => [match[1], match[2]])) };
}

function kafkaOf(settings) {
  const secure = settings.KAFKA_SECURITY === 'sasl_ssl';
  return new Kafka({
    clientId: `medshare-analyst-${settings.KAFKA_USERNAME ?? 'anonymous'}`,
    brokers: (settings.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    logLevel: logLevel.NOTHING,
    ...(secure && {
      ssl: { ca: [readFileSync(settings.KAFKA_CA_FILE, 'utf8')], minVersion: 'TLSv1.3' },
      sasl: { mechanism: 'scram-sha-512', username: settings.KAFKA_USERNAME, password: readFileSync(settings.KAFKA_PASSWORD_FILE, 'utf8').trim() },
    }),
  });
}

/** Every CloudEvent of the wanted types on `topic`, up to where each partition ended when called. */
async function readAudit(settings, topic, types) {
  const kafka = kafkaOf(settings);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
  await admin.disconnect();
  const reached = new Map();
  const done = () => [...ends].every(([partition, end]) => (reached.get(partition) ?? 0n) >= end);
  const events = [];
  if (done()) return events;
  const consumer = kafka.consumer({ groupId: `${settings.KAFKA_USERNAME ?? 'analyst'}.questions-${randomUUID()}` });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const finished = new Promise((resolve) => {
      // Progress from batch events, not messages: transaction markers (the audit topics are written transactionally)
      // take offsets but are never delivered.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        reached.set(payload.partition, BigInt(payload.lastOffset) + 1n);
        if (done()) resolve();
      });
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (BigInt(message.offset) >= ends.get(partition)) return;
        const event = JSON.parse(message.value.toString('utf8'));
        if (types.includes(event.type)) events.push(event);
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return events;
}

/** The topic to read: `--topic NAME`, else the institution's (AUDIT_TOPIC), else the platform topic. */
function topicFrom(argv, settings, platformTopic) {
  const at = argv.indexOf('--topic');
  return at >= 0 ? argv[at + 1] : (settings.AUDIT_TOPIC ?? platformTopic);
}

/** Reads what `question` needs and prints its answer as JSON; any failure exits non-zero with the reason. */
function answer(question, { topics, types }) {
  const argv = process.argv.slice(2);
  const settings = settingsFrom(argv);
  // An institution's topic holds every type: read once, not once per platform topic.
  const names = [...new Set(topics.map((platformTopic) => topicFrom(argv, settings, platformTopic)))];
  Promise.all(names.map((name) => readAudit(settings, name, types)))
    .then((read) => {
      const events = read.flat();
      process.stdout.write(`${JSON.stringify(question(events), null, 2)}\n`);
    })
    .catch((error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}

module.exports = { answer, readAudit, settingsFrom };
