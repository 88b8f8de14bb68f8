// Runs medshare services as real processes (node dist/apps/<name>/src/main.js) for the e2e tier and the
// demo: each with its own environment, logs captured to a file, readiness awaited, SIGTERM to stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { dirname, resolve } from 'node:path';
import { eventually } from './eventually';

export const serviceNames = ['ingestion', 'encryption', 'access-control', 'ledger', 'governance'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const defaultPorts: Record<ServiceName, number> = { ingestion: 3001, encryption: 3002, 'access-control': 3003, ledger: 3004, governance: 3005 };

/** The repository root, whether this runs from test/support (Jest) or from dist/test/support (a benchmark). */
const repoRoot = (() => {
  let folder = resolve(__dirname, '../..');
  while (!existsSync(resolve(folder, 'nx.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
})();

export interface RunningService {
  name: ServiceName;
  port: number;
  baseUrl: string;
  logFile: string;
  process: ChildProcess;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  port?: number;
  logDir?: string;
  /** A distinct name for a second instance of the same service (logs, INSTANCE_ID). */
  instance?: string;
  readyTimeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof` to profile a service during a benchmark. */
  nodeArgs?: readonly string[];
  /** Another build's entry point (benchmarks comparing builds); default dist/apps/<name>/src/main.js. */
  main?: string;
  /** The service answers HTTPS (HTTPS_CERT_FILE/HTTPS_KEY_FILE in env): readiness is asked over TLS trusting this CA (PEM). */
  httpsCa?: string;
}

export async function startService(name: ServiceName, options: StartOptions = {}): Promise<RunningService> {
  const port = options.port ?? defaultPorts[name];
  const logDir = options.logDir ?? resolve(repoRoot, '.data/logs');
  mkdirSync(logDir, { recursive: true });
  const instance = options.instance ?? name;
  const logFile = resolve(logDir, `${instance}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const main = options.main ?? resolve(repoRoot, `dist/apps/${name}/src/main.js`);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      INSTANCE_ID: instance,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      // The broker's minimum: every spec that kills an instance waits this long for its group to move on.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const baseUrl = `${options.httpsCa ? 'https' : 'http'}://127.0.0.1:${port}`;
  const service: RunningService = {
    name,
    port,
    baseUrl,
    logFile,
    process: child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  try {
    // An instance that exits while starting fails the start at once, not at the end of the wait.
    const died = exited.then((code) => Promise.reject(new Error(`${instance} exited with ${code}; see ${logFile}`)));
    died.catch(() => undefined);
    await Promise.race([
      died,
      eventually(
        async () => {
          if (options.httpsCa) return (await httpsStatus(`${baseUrl}/health/ready`, options.httpsCa)) === 200 || undefined;
          const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5_000) });
          // A timeout names the checks that were still failing.
          if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`);
          return true;
        },
        { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 200, what: `${instance} ready on ${baseUrl}` },
      ),
    ]);
  } catch (error) {
    await service.stop('SIGKILL');
    throw error;
  }
  return service;
}

/** SIGTERM to each, then SIGKILL to any still running after `graceMs` (a process whose event loop hangs ignores SIGTERM). */
export async function stopAll(services: readonly RunningService[], graceMs = 30_000): Promise<void> {
  await Promise.all(
    services.map(async (service) => {
      const timer = setTimeout(() => void service.stop('SIGKILL'), graceMs);
      try {
        await service.stop();
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** GET over TLS trusting only `ca`; the status, or a rejection for any TLS or connection failure. */
export function httpsStatus(url: string, ca: string, tls: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const request = httpsGet(url, { ca, timeout: 5_000, ...tls }, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}
