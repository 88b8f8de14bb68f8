// A PostgreSQL server of one test run's own (infra/postgres/postgres.sh on a free port, its own data folder), for
// specs that kill or freeze a server: never one of the shared servers on 55432-55435.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './eventually';
import { freePorts } from './ports';

const run = promisify(execFile);
/** test/support from the sources, dist/test/support when compiled. */
const repoRoot = resolve(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..');

export class PrivatePostgres {
  private constructor(
    /** The instance name postgres.sh knows it by (lower-case letters and digits). */
    readonly name: string,
    readonly port: number,
    private readonly databases: string,
  ) {}

  /** Starts a server named `name` on a free port in 56100-56899 with `databases` (space-separated) created. */
  static async start(name: string, databases: string): Promise<PrivatePostgres> {
    const [port] = await freePorts(56100, 56900, 1);
    const server = new PrivatePostgres(name, port, databases);
    try {
      await server.start();
    } catch (error) {
      await server.remove();
      throw error;
    }
    return server;
  }

  /** postgres:// URL of the server, without a database. */
  get url(): string {
    return `postgres://medshare@127.0.0.1:${this.port}`;
  }

  /** Starts the server again (after a stop or a kill -9: PostgreSQL recovers from its WAL). */
  async start(): Promise<void> {
    await this.script('start');
  }

  /** The server's processes: the postmaster first (so it forks nothing new while the others stop), then its children. */
  processes(): number[] {
    const pidFile = resolve(this.folder(), 'data/postmaster.pid');
    if (!existsSync(pidFile)) return [];
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!alive(postmaster)) return [];
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry) && parentOf(Number(entry)) === postmaster)
      .map(Number);
    return [postmaster, ...children];
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    for (const pid of this.processes()) process.kill(pid, signal);
  }

  /** kill -9 of every process of the server (a crash of its host), resolved once all are gone. */
  async kill(): Promise<void> {
    const pids = this.processes();
    for (const pid of pids) signalQuietly(pid, 'SIGKILL');
    // Reaped, not only dead: pg_ctl takes a zombie postmaster for a running server and would not start a new one.
    await eventually(() => pids.every((pid) => !existsSync(`/proc/${pid}`)) || undefined, { timeoutMs: 30_000, intervalMs: 50, what: `${this.name} gone` });
  }

  /** Stops the server (woken and killed first if need be) and deletes its data folder. */
  async remove(): Promise<void> {
    for (const pid of this.processes()) signalQuietly(pid, 'SIGCONT');
    await this.script('stop').catch(() => this.kill());
    const entry = resolve(repoRoot, '.data/postgres', this.name);
    // The instance folder, or a symlink to it under /tmp where the server's user cannot reach the clone.
    if (existsSync(entry)) rmSync(realpathSync(entry), { recursive: true, force: true });
    rmSync(entry, { recursive: true, force: true });
  }

  private folder(): string {
    return realpathSync(resolve(repoRoot, '.data/postgres', this.name));
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    const variable = this.name.toUpperCase();
    await run('bash', [resolve(repoRoot, 'infra/postgres/postgres.sh'), command, this.name], {
      env: { ...process.env, [`PG_${variable}_PORT`]: String(this.port), [`PG_${variable}_DATABASES`]: this.databases },
    });
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Running and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
