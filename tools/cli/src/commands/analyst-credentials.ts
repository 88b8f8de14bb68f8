// `medshare analyst-credentials --institution ID` (development): a SCRAM user for one institution's analysts, its
// audit topic and its ACLs (generated from the registry: that topic, groups `analyst-<id>.*`, nothing else). The
// password stays in the broker's credentials folder next to an env file the analyst scripts read.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { institutionAnalyst, institutionAnalystAcls, institutionAuditTopic, institutionId } from '@medshare/contracts';
import { applyAcls, ensureTopics } from '@medshare/messaging';
import { parseFlags, type CommandIo } from '../io';
import { cliKafka, cliKafkaEnv } from '../kafka';
import { repoRoot } from '../repo';

const run = promisify(execFile);
const usage = 'usage: medshare analyst-credentials --institution ID';

export async function analystCredentialsCommand(args: string[], io: CommandIo): Promise<number> {
  const { flags, error } = parseFlags(args, ['institution']);
  if (error !== undefined || flags.institution === undefined || !institutionId.safeParse(flags.institution).success || flags.institution === 'platform') {
    io.err(error ?? usage);
    if (error !== undefined) io.err(usage);
    return 2;
  }
  const env = cliKafkaEnv();
  const { KAFKA_BROKERS: brokers = '127.0.0.1:19092', KAFKA_CA_FILE: ca, KAFKA_CREDENTIALS_DIR: credentials } = env;
  if (env.KAFKA_SECURITY !== 'sasl_ssl' || ca === undefined || credentials === undefined) {
    io.err('analyst credentials need a sasl_ssl broker (KAFKA_SECURITY, KAFKA_CA_FILE, KAFKA_CREDENTIALS_DIR): a plaintext broker has no principals');
    return 1;
  }
  const institution = flags.institution;
  const principal = institutionAnalyst(institution);
  const passwordFile = join(credentials, `${principal}.password`);
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  await addScramUser(env, principal, readFileSync(passwordFile, 'utf8').trim());

  const kafka = cliKafka();
  const topic = institutionAuditTopic(institution);
  // The brokers' default.replication.factor unless KAFKA_REPLICATION_FACTOR says otherwise, as `topics create`.
  await ensureTopics(kafka, [topic], env.KAFKA_REPLICATION_FACTOR === undefined ? undefined : Number(env.KAFKA_REPLICATION_FACTOR));
  await applyAcls(kafka, institutionAnalystAcls(institution));

  const envFile = join(credentials, `${principal}.env`);
  const settings = { KAFKA_BROKERS: brokers, KAFKA_SECURITY: 'sasl_ssl', KAFKA_CA_FILE: ca, KAFKA_USERNAME: principal, KAFKA_PASSWORD_FILE: passwordFile };
  writeFileSync(
    envFile,
    `${Object.entries({ ...settings, AUDIT_TOPIC: topic.name })
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  io.out(`principal ${principal}: reads ${topic.name} in consumer groups ${principal}.<name>`);
  io.out(`password file ${passwordFile}; settings for the analyst scripts: ${envFile}`);
  io.out(
    `kcat -C -b ${brokers} -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=${principal} ` +
      `-X sasl.password="$(cat ${passwordFile})" -X ssl.ca.location=${ca} -G ${principal}.kcat ${topic.name}`,
  );
  return 0;
}

/**
 * Creates (or resets the password of) a SCRAM-SHA-512 user with Kafka's own ConfigCommand, as the operator: kafkajs
 * has no AlterUserScramCredentials. The password goes through a file, never the command line.
 */
async function addScramUser(env: NodeJS.ProcessEnv, principal: string, password: string): Promise<void> {
  const { stdout: lib } = await run('bash', [join(repoRoot, 'infra/kafka/kafka.sh'), 'lib'], { env });
  const operator = readFileSync(join(env.KAFKA_CREDENTIALS_DIR ?? '', 'operator.password'), 'utf8').trim();
  const folder = mkdtempSync(join(tmpdir(), 'medshare-scram-'));
  try {
    const commandConfig = join(folder, 'operator.properties');
    const addConfig = join(folder, 'scram.properties');
    writeFileSync(
      commandConfig,
      [
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="operator" password="${operator}";`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${env.KAFKA_CA_FILE}`,
      ].join('\n'),
      { mode: 0o600 },
    );
    // In a file ConfigCommand takes the value as written: no [brackets] as on its command line.
    writeFileSync(addConfig, `SCRAM-SHA-512=iterations=8192,password=${password}\n`, { mode: 0o600 });
    await run(
      'java',
      [
        '-Xmx256m',
        '-cp',
        `${lib.trim()}/*`,
        'kafka.admin.ConfigCommand',
        '--bootstrap-server',
        env.KAFKA_BROKERS ?? '127.0.0.1:19092',
        '--command-config',
        commandConfig,
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        principal,
        '--add-config-file',
        addConfig,
      ],
      { env, timeout: 120_000 },
    ).catch((error: { stderr?: string; message?: string }) => {
      // Kafka's tools echo the configuration they refused: never the password.
      throw new Error(`ConfigCommand failed: ${(error.stderr || error.message || '').split(password).join('<password>').trim().slice(0, 500)}`);
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
