// A Jest reporter that makes a finished run that does not exit a visible failure instead of a hang: once the
// run is complete (the global teardown still to come), it waits MEDSHARE_TEST_EXIT_GRACE_MS; if the process is
// still alive then, something left open keeps it alive. It names what (sockets by peer, child processes by
// command line, resource kinds), kills the child processes it finds, and exits with EXIT_CODE.
// Timers and sockets created after the run completed (a client reconnecting or restarting in a loop) are shown
// with where they were created; `--detectOpenHandles` in a dedicated run shows the creation of the others.
const { createHook } = require('node:async_hooks');

const EXIT_CODE = 75;
const DEFAULT_GRACE_MS = 60_000;

/** Known peers of the test tiers, to name a socket by what it talks to. */
const knownPorts = { 19092: 'Kafka', 55432: 'PostgreSQL state', 55433: 'PostgreSQL ledger 1', 55434: 'PostgreSQL ledger 2', 55435: 'PostgreSQL ledger 3' };

function describeHandle(handle) {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (kind === 'ChildProcess') return `child process pid ${handle.pid}: ${(handle.spawnargs ?? []).join(' ')}`;
  if (kind === 'Socket' && handle.remotePort !== undefined) {
    const peer = knownPorts[handle.remotePort] ?? 'peer';
    return `socket to ${peer} ${handle.remoteAddress}:${handle.remotePort} (local port ${handle.localPort})`;
  }
  if (kind === 'Socket') return 'socket without peer (a child process pipe or stdio)';
  if (kind === 'Server') return `server listening on ${JSON.stringify(handle.address())}`;
  return kind;
}

/** What keeps the event loop alive (this reporter's own timer is unreferenced: not among them). */
function openHandles() {
  const handles = process._getActiveHandles().filter((handle) => handle !== process.stdout && handle !== process.stderr && handle !== process.stdin);
  const kinds = {};
  for (const kind of process.getActiveResourcesInfo()) kinds[kind] = (kinds[kind] ?? 0) + 1;
  return { handles, kinds };
}

/** Creation stacks of the timers and sockets created from now on that are still alive. */
function trackNewResources() {
  const alive = new Map();
  const hook = createHook({
    init(id, type) {
      if (type !== 'Timeout' && type !== 'TCPWRAP' && type !== 'TCPCONNECTWRAP') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40; // async_hooks and timers internals take the first ten frames
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const frames = stack
        .split('\n')
        .slice(1)
        .filter((line) => !/node:|support\/exit-watchdog\.js/.test(line))
        .map((line) => line.trim().replace(/^at /, ''));
      alive.set(id, `${type} at ${frames.slice(0, 5).join(' < ')}`);
    },
    destroy(id) {
      alive.delete(id);
    },
  });
  hook.enable();
  return () => [...new Set(alive.values())];
}

class ExitWatchdog {
  constructor() {
    this.graceMs = Number(process.env.MEDSHARE_TEST_EXIT_GRACE_MS ?? DEFAULT_GRACE_MS);
  }

  onRunComplete(testContexts) {
    const projects = [...testContexts].map((context) => context.config.displayName?.name ?? 'default').join(', ');
    let createdSince = () => [];
    const timer = setTimeout(() => {
      const { handles, kinds } = openHandles();
      const lines = [
        `exit-watchdog: the run of ${projects} finished its tests but did not exit within ${this.graceMs} ms; still open:`,
        ...handles.map((handle) => `  - ${describeHandle(handle)}`),
        `  resource kinds: ${JSON.stringify(kinds)}`,
        ...createdSince().map((resource) => `  created after the run completed and still alive: ${resource}`),
        '  creation stacks: run the tier (or one spec) again with --detectOpenHandles',
      ];
      process.stderr.write(`${lines.join('\n')}\n`);
      for (const handle of handles) if (handle?.constructor?.name === 'ChildProcess') handle.kill('SIGKILL');
      // Jest's own exit handler sets exit code 1 when tests failed; this one runs after it.
      process.on('exit', () => {
        process.exitCode = EXIT_CODE;
      });
      process.exit(EXIT_CODE);
    }, this.graceMs);
    // Unreferenced: a process that exits by itself is not held up; one that is held up still fires it.
    timer.unref();
    createdSince = trackNewResources();
  }
}

module.exports = ExitWatchdog;
