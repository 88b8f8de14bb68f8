// HTTPS from configuration: TLS 1.3 only, certificate and key checked at boot, required in production.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { selfSignedCertificate } from '../../../test/support/certificates';
import { BoundedExpressAdapter } from './http-server';
import { httpsCredentials } from './https';

const dir = mkdtempSync(join(tmpdir(), 'medshare-https-spec-'));
const file = (name: string) => join(dir, name);
const selfSigned = (name: string) => selfSignedCertificate(dir, name, '/CN=127.0.0.1', ['subjectAltName=IP:127.0.0.1']);

selfSigned('one');
selfSigned('two');
writeFileSync(file('not-a-key.key'), 'not a key');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('httpsCredentials', () => {
  const dev = { NODE_ENV: 'development' as const };

  it('is plain HTTP in development without files, and refuses production without them', () => {
    expect(httpsCredentials(dev)).toBeUndefined();
    expect(() => httpsCredentials({ NODE_ENV: 'production' })).toThrow(/^invalid configuration:\n {2}HTTPS_CERT_FILE: is required in production/);
  });

  it('reads a certificate and its key', () => {
    const credentials = httpsCredentials({ ...dev, HTTPS_CERT_FILE: file('one.pem'), HTTPS_KEY_FILE: file('one.key') });
    expect(credentials?.cert.toString()).toContain('BEGIN CERTIFICATE');
  });

  it.each([
    ['a certificate without its key', { HTTPS_CERT_FILE: file('one.pem') }, 'HTTPS_KEY_FILE'],
    ['a key without its certificate', { HTTPS_KEY_FILE: file('one.key') }, 'HTTPS_CERT_FILE'],
    ['a certificate file that is not there', { HTTPS_CERT_FILE: file('missing.pem'), HTTPS_KEY_FILE: file('one.key') }, 'HTTPS_CERT_FILE'],
    ['the key of another certificate', { HTTPS_CERT_FILE: file('one.pem'), HTTPS_KEY_FILE: file('two.key') }, 'HTTPS_KEY_FILE'],
    ['a key that is not PEM', { HTTPS_CERT_FILE: file('one.pem'), HTTPS_KEY_FILE: file('not-a-key.key') }, 'HTTPS_KEY_FILE'],
  ])('refuses %s, naming the variable and not the path', (_case, files, variable) => {
    expect(() => httpsCredentials({ ...dev, ...files })).toThrow(new RegExp(`^invalid configuration:\\n {2}${variable}: [^/]*$`));
  });
});

describe('the HTTPS server', () => {
  const adapter = new BoundedExpressAdapter(
    { requestTimeoutMs: 5000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 1000 },
    httpsCredentials({ NODE_ENV: 'production', HTTPS_CERT_FILE: file('one.pem'), HTTPS_KEY_FILE: file('one.key') }),
  );
  let port: number;

  beforeAll(async () => {
    adapter.initHttpServer({});
    adapter.getInstance().get('/ping', (_request: unknown, response: { send(body: string): void }) => response.send('pong'));
    await new Promise<void>((resolveListen) => adapter.getHttpServer().listen(0, '127.0.0.1', () => resolveListen()));
    port = (adapter.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolveClose) => adapter.getHttpServer().close(resolveClose)));

  it('answers over TLS 1.3 to a client that trusts its certificate', async () => {
    const answer = await new Promise<{ body: string; protocol: string }>((resolveGet, rejectGet) => {
      get({ host: '127.0.0.1', port, path: '/ping', ca: readFileSync(file('one.pem')) }, (response) => {
        const protocol = (response.socket as unknown as { getProtocol(): string }).getProtocol();
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolveGet({ body, protocol }));
      }).on('error', rejectGet);
    });
    expect(answer).toEqual({ body: 'pong', protocol: 'TLSv1.3' });
  });

  it('refuses TLS 1.2 and plain HTTP', async () => {
    const tls12 = await new Promise<string>((resolveConnect) => {
      const socket = connect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.2', ca: readFileSync(file('one.pem')) }, () => resolveConnect('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolveConnect(error.code ?? 'error'));
    });
    expect(tls12).not.toBe('connected');
    await expect(fetch(`http://127.0.0.1:${port}/ping`)).rejects.toThrow();
  });
});
