// Throwaway self-signed P-256 certificates for tests, valid one day (openssl, as the development CA's own script).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes `<name>.pem` and `<name>.key` into `folder` for `subject` (e.g. '/CN=127.0.0.1'), with optional extensions. */
export function selfSignedCertificate(folder: string, name: string, subject: string, extensions: readonly string[] = []): { cert: string; key: string } {
  const cert = join(folder, `${name}.pem`);
  const key = join(folder, `${name}.key`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', subject];
  execFileSync('openssl', [...args, ...extensions.flatMap((extension) => ['-addext', extension]), '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}
