// Free TCP ports for a test run of its own: concurrent runs (other specs, other checkouts) do not collide.
import { randomInt } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

// The ports fetch() refuses to connect to (WHATWG Fetch "bad port" list, above 1023): a service there looks down.
const fetchBlockedPorts = new Set([1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080]);

/**
 * Ports handed out stay claimed for a while in the checkout's .data/test-ports (one file per port), so the shards of a
 * tier running side by side never get the same free port between freePorts() and the service binding it, nor one a
 * stopped service of another spec is about to take again. Longer than any spec runs; a range with no unclaimed free
 * ports left (a spec re-run many times) hands out claimed ones that are free.
 */
const claims = resolve(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..', '.data/test-ports');
const CLAIM_MS = 10 * 60_000;

function claim(port: number): boolean {
  const file = join(claims, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() - (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < CLAIM_MS) return false;
    rmSync(file, { force: true });
    return claim(port);
  }
}

/** `count` consecutive free ports starting at a random multiple of `count` in [from, to). */
export async function freePorts(from: number, to: number, count: number): Promise<number[]> {
  mkdirSync(claims, { recursive: true });
  const slots = Math.floor((to - from) / count);
  const first = randomInt(slots);
  for (const mustClaim of [true, false]) {
    for (let tried = 0; tried < slots; tried += 1) {
      const base = from + ((first + tried) % slots) * count;
      const candidates = Array.from({ length: count }, (_, index) => base + index);
      if (candidates.some((port) => fetchBlockedPorts.has(port))) continue;
      if (!(await Promise.all(candidates.map(portIsFree))).every(Boolean)) continue;
      if (!mustClaim) return candidates;
      const claimed = candidates.filter(claim);
      if (claimed.length === count) return candidates;
      for (const port of claimed) rmSync(join(claims, String(port)), { force: true });
    }
  }
  throw new Error(`no ${count} free ports in ${from}-${to}`);
}

/** True when something accepts a TCP connection on host:port within a second. */
export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once('error', () => resolveAnswer(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolveAnswer(false);
    });
  });
}
