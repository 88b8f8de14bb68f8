// HTTPS from configuration: a certificate and key in PEM files, TLS 1.3 only. Production answers nothing in clear
// text (HIPAA §164.312(e)(1), docs/security.md); development may stay on HTTP at 127.0.0.1.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError, type BaseConfig } from './config';

export interface HttpsCredentials {
  cert: Buffer;
  key: Buffer;
}

type HttpsConfig = Pick<BaseConfig, 'NODE_ENV' | 'HTTPS_CERT_FILE' | 'HTTPS_KEY_FILE'>;

/** The certificate and key, or undefined for plain HTTP; a ConfigError naming the variable when they do not fit. */
export function httpsCredentials({ NODE_ENV, HTTPS_CERT_FILE, HTTPS_KEY_FILE }: HttpsConfig): HttpsCredentials | undefined {
  const invalid = (variable: string, message: string) => new ConfigError(`invalid configuration:\n  ${variable}: ${message}`);
  if (HTTPS_CERT_FILE === undefined && HTTPS_KEY_FILE === undefined) {
    if (NODE_ENV === 'production') throw invalid('HTTPS_CERT_FILE', 'is required in production (with HTTPS_KEY_FILE): the service answers HTTPS only');
    return undefined;
  }
  if (HTTPS_CERT_FILE === undefined) throw invalid('HTTPS_CERT_FILE', 'is required with HTTPS_KEY_FILE');
  if (HTTPS_KEY_FILE === undefined) throw invalid('HTTPS_KEY_FILE', 'is required with HTTPS_CERT_FILE');
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path);
    } catch {
      throw invalid(variable, 'cannot read the file');
    }
  };
  const credentials = { cert: read('HTTPS_CERT_FILE', HTTPS_CERT_FILE), key: read('HTTPS_KEY_FILE', HTTPS_KEY_FILE) };
  try {
    createSecureContext({ ...credentials, minVersion: 'TLSv1.3' });
  } catch {
    throw invalid('HTTPS_KEY_FILE', 'is not a PEM private key that matches the certificate of HTTPS_CERT_FILE');
  }
  return credentials;
}
