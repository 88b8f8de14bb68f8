// A private run of the local OpenID Provider (infra/oidc/provider.js) for one spec, and a sign-in through it
// over plain HTTP (cookie jars per origin), as a browser without scripts would do it.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { eventually } from './eventually';

export interface RunningOidcProvider {
  issuer: string;
  stop(): Promise<void>;
}

export async function startOidcProvider(port: number, redirectUris: readonly string[]): Promise<RunningOidcProvider> {
  const child: ChildProcess = spawn(process.execPath, [resolve(__dirname, '../../infra/oidc/provider.js')], {
    env: { ...process.env, OIDC_PORT: String(port), OIDC_REDIRECT_URIS: redirectUris.join(',') },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const issuer = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the OIDC provider exited with ${child.exitCode}`);
      return (await fetch(`${issuer}/.well-known/openid-configuration`).catch(() => undefined))?.ok || undefined;
    },
    { what: 'the OIDC provider', timeoutMs: 20_000 },
  );
  return {
    issuer,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Cookies by origin, path ignored: enough to follow one sign-in. */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.jars.get(url.origin) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  take(url: URL, response: Response): void {
    const jar = this.jars.get(url.origin) ?? new Map<string, string>();
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, ...value] = pair.trim().split('=');
      if (attributes.some((attribute) => /^\s*max-age=0$/i.test(attribute)) || value.join('=') === '') jar.delete(name);
      else jar.set(name, value.join('='));
    }
    this.jars.set(url.origin, jar);
  }

  get(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }
}

/** Follows redirects by hand, keeping cookies; stops at the first non-redirect answer. */
export async function browse(
  jar: CookieJar,
  start: string,
  init: { method?: string; body?: URLSearchParams } = {},
): Promise<{ url: URL; response: Response; text: string }> {
  let url = new URL(start);
  let request: RequestInit = { method: init.method ?? 'GET', ...(init.body ? { body: init.body } : {}) };
  for (let hop = 0; hop < 20; hop += 1) {
    const response = await fetch(url, {
      ...request,
      redirect: 'manual',
      headers: { cookie: jar.header(url), ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    jar.take(url, response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return { url, response, text: await response.text() };
    await response.arrayBuffer();
    url = new URL(location, url);
    request = { method: 'GET' };
  }
  throw new Error('too many redirects');
}

/** Signs in at governance through the provider's login form; returns the jar holding the session cookie. */
export async function signIn(governanceUrl: string, login: string, password = `demo-${login}`): Promise<{ jar: CookieJar; status: number; text: string }> {
  const jar = new CookieJar();
  const form = await browse(jar, `${governanceUrl}/auth/login`);
  const action = /action="([^"]+)"/.exec(form.text)?.[1];
  if (action === undefined) throw new Error(`no login form (status ${form.response.status})`);
  const done = await browse(jar, new URL(action, form.url).href, { method: 'POST', body: new URLSearchParams({ username: login, password }) });
  return { jar, status: done.response.status, text: done.text };
}
