// How a client proves who it is to Kafka: nothing (plaintext), or TLS 1.3 to the broker plus SASL/SCRAM-SHA-512 as
// one principal. Read from configuration: the same variables in every service, the CLI and the test harness.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type KafkaSecurity = { mode: 'plaintext' } | { mode: 'sasl_ssl'; ca: string; username: string; password: string };

/** The variables (infra/kafka/kafka.sh writes them into .data/kafka/client.env). */
export interface KafkaSecuritySettings {
  /** plaintext (default) or sasl_ssl. */
  KAFKA_SECURITY?: string;
  /** PEM of the CA that signed the brokers' certificates. */
  KAFKA_CA_FILE?: string;
  /** A folder of `<principal>.password` files (development); or KAFKA_PASSWORD_FILE for one principal. */
  KAFKA_CREDENTIALS_DIR?: string;
  KAFKA_PASSWORD_FILE?: string;
  /** The principal; default: the caller's own (the service's name, `operator` for the CLI and tests). */
  KAFKA_USERNAME?: string;
}

export class KafkaSecurityError extends Error {}

export function kafkaSecurityFrom(settings: KafkaSecuritySettings, principal: string): KafkaSecurity {
  const mode = settings.KAFKA_SECURITY ?? 'plaintext';
  if (mode === 'plaintext') return { mode };
  if (mode !== 'sasl_ssl') throw new KafkaSecurityError('KAFKA_SECURITY must be plaintext or sasl_ssl');
  const username = settings.KAFKA_USERNAME ?? principal;
  const passwordFile = settings.KAFKA_PASSWORD_FILE ?? (settings.KAFKA_CREDENTIALS_DIR && join(settings.KAFKA_CREDENTIALS_DIR, `${username}.password`));
  if (!settings.KAFKA_CA_FILE) throw new KafkaSecurityError('KAFKA_SECURITY=sasl_ssl needs KAFKA_CA_FILE');
  if (!passwordFile) throw new KafkaSecurityError('KAFKA_SECURITY=sasl_ssl needs KAFKA_PASSWORD_FILE or KAFKA_CREDENTIALS_DIR');
  return {
    mode,
    ca: readSetting(settings.KAFKA_CA_FILE, 'KAFKA_CA_FILE'),
    username,
    password: readSetting(passwordFile, settings.KAFKA_PASSWORD_FILE ? 'KAFKA_PASSWORD_FILE' : 'KAFKA_CREDENTIALS_DIR'),
  };
}

/** kafkajs options for it: the CA pinned, TLS 1.3 only, SCRAM-SHA-512. */
export function kafkajsSecurity(security: KafkaSecurity) {
  if (security.mode === 'plaintext') return {};
  return {
    ssl: { ca: [security.ca], minVersion: 'TLSv1.3' as const },
    sasl: { mechanism: 'scram-sha-512' as const, username: security.username, password: security.password },
  };
}

function readSetting(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    // The path is configuration, not a secret; the variable tells the operator where to look.
    throw new KafkaSecurityError(`${variable}: cannot read ${path}`);
  }
}

/**
 * The variables of a client.env file that infra/kafka/kafka.sh wrote (KEY=VALUE lines), for those not already set in
 * `env`: how the CLI and the test harness find the mode of the broker this checkout started. No file, no change.
 */
export function withKafkaClientEnv(file: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return env;
  }
  const fromFile = Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.match(/^(KAFKA_[A-Z_]+)=(.*)$/))
      .filter((match): match is RegExpMatchArray => match !== null)
      .map((match) => [match[1], match[2]]),
  );
  return { ...fromFile, ...env };
}
