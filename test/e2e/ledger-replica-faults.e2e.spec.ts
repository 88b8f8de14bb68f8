// Replica faults the ledger must ride out by itself, as real processes on the real broker and real
// PostgreSQL: a replica server frozen with SIGSTOP (commits go on at the majority, the replica is reported
// down with the reason, and caught up when it wakes), and rows changed under the writer — a deleted head
// block whose event rows stay behind (on two replicas at once), truncation, a forged head — which
// catch-up repairs by itself, reporting each as ledger-tamper, while commits go on. The frozen server is a throwaway PostgreSQL of this run (infra/postgres/postgres.sh),
// never one of the shared servers.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseEvent, topics, type EventOf } from '@medshare/contracts';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, queryRows, testEndpoints } from '../support/endpoints';
import { closableConsumer, type ClosableConsumer } from '../support/topic-reader';
import { DecisionLoad } from '../support/decision-load';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { startService, type RunningService } from '../support/service-processes';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const database = `ledger_f${run}`;
const { kafkaBrokers, ledgerServers, stateServer } = testEndpoints();
const kafka = createKafka({ brokers: kafkaBrokers, clientId: `ledger-faults-e2e-${run}` });
const publisher = new EventPublisher(kafka);
const repoRoot = resolve(__dirname, '../..');
const execFileAsync = promisify(execFile);
const REPLICA_TIMEOUT_MS = 4000;

/** This run's own PostgreSQL server, to freeze: the third replica. */
const frozenName = `frozen${run}`;
let frozenServer = '';

async function privatePostgres(command: 'start' | 'stop', port: number): Promise<void> {
  const name = frozenName.toUpperCase();
  await execFileAsync('bash', [resolve(repoRoot, 'infra/postgres/postgres.sh'), command, frozenName], {
    env: { ...process.env, [`PG_${name}_PORT`]: String(port), [`PG_${name}_DATABASES`]: 'ledger' },
  });
}

/** The server's processes: the postmaster first (so it forks nothing new while the others stop), then its children. */
function serverProcesses(): number[] {
  const folder = realpathSync(resolve(repoRoot, '.data/postgres', frozenName));
  const postmaster = Number(readFileSync(resolve(folder, 'data/postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && parentOf(Number(entry)) === postmaster)
    .map(Number);
  return [postmaster, ...children];
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

function signalServer(signal: 'SIGSTOP' | 'SIGCONT'): void {
  for (const pid of serverProcesses()) process.kill(pid, signal);
}

const replicaUrls = (): string[] => [databaseUrl(ledgerServers[0], database), databaseUrl(ledgerServers[1], database), databaseUrl(frozenServer, 'ledger')];

const query = <T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> => queryRows<T>(url, sql, params, 2000);

const load = new DecisionLoad(publisher, run);
const { produced } = load;
const produce = (count: number) => load.produce(count);

async function allRecordedOnce(index: number, timeoutMs = 60_000): Promise<void> {
  const counts = await load.allRecorded(replicaUrls()[index], { name: `replica ${index + 1}`, timeoutMs, connectTimeoutMs: 2000 });
  expect(counts.rows).toBe(produced.length);
}

type AlertData = EventOf<'governance.alert.v1'>['data'];

describe('ledger replica faults', () => {
  let ledger: RunningService | undefined;
  let alerts: ClosableConsumer | undefined;
  let frozen = false;
  let pgPort = 0;
  const seen: AlertData[] = [];

  const alertsOf = (what: string, matches: (alert: AlertData) => boolean) => {
    const mine = (alert: AlertData) =>
      [alert.details?.chain, alert.details?.address].some(
        (value) => String(value ?? '').includes(database) || String(value ?? '').endsWith(`:${pgPort}/ledger`),
      ) && matches(alert);
    return eventually(() => (seen.some(mine) ? seen.filter(mine) : undefined), { what, timeoutMs: 30_000 });
  };

  beforeAll(async () => {
    const [ledgerPort, port] = [...(await freePorts(4100, 4200, 1)), ...(await freePorts(56100, 56900, 1))];
    pgPort = port;
    await privatePostgres('start', pgPort);
    frozenServer = `postgres://medshare@127.0.0.1:${pgPort}`;
    await publisher.connect();
    alerts = closableConsumer(kafka, { groupId: `ledger-faults-e2e-alerts-${run}` });
    const { consumer } = alerts;
    await consumer.connect();
    await consumer.subscribe({ topic: topics.governanceAlerts.name, fromBeginning: false });
    const joined = new Promise<void>((resolveJoin) => consumer.on(consumer.events.GROUP_JOIN, () => resolveJoin()));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseEvent(message.value, topics.governanceAlerts.name);
        if (parsed.ok && parsed.event.type === 'governance.alert.v1') seen.push(parsed.event.data);
      },
    });
    await joined;
    ledger = await startService('ledger', {
      port: ledgerPort,
      instance: `ledger-faults-${run}`,
      env: {
        LEDGER_REPLICA_URLS: replicaUrls().join(','),
        DATABASE_URL: databaseUrl(stateServer, `ledger_state_f${run}`),
        KAFKA_GROUP_ID: `ledger-faults-e2e-${run}`,
        LEDGER_START_FROM: new Date().toISOString(),
        BLOCK_MAX_EVENTS: '200',
        BLOCK_MAX_AGE_MS: '100',
        LEDGER_REPLICA_RETRY_MS: '250',
        LEDGER_REPLICA_TIMEOUT_MS: String(REPLICA_TIMEOUT_MS),
        LEDGER_VERIFY_INTERVAL_MS: '0',
        LOG_LEVEL: 'warn',
      },
    });
  });

  afterAll(async () => {
    await closeAll([
      () => frozen && signalServer('SIGCONT'),
      () => ledger?.stop('SIGKILL'),
      () => alerts?.close(),
      () => publisher.disconnect(),
      () => dropDatabase(ledgerServers[0], database),
      () => dropDatabase(ledgerServers[1], database),
      () => dropDatabase(stateServer, `ledger_state_f${run}`),
      () => privatePostgres('stop', pgPort),
      () => {
        // The instance folder, or a symlink to it under /tmp where the server's user cannot reach the clone.
        const entry = resolve(repoRoot, '.data/postgres', frozenName);
        rmSync(realpathSync(entry), { recursive: true, force: true });
        rmSync(entry, { recursive: true, force: true });
      },
    ]);
  });

  it('commits on at the majority while one replica server is frozen (SIGSTOP), reports it down with the reason, and catches it up when it wakes', async () => {
    await produce(300);
    await allRecordedOnce(2);
    const url = replicaUrls()[0];
    const [{ before }] = await query<{ before: string }>(url, 'SELECT now()::text AS before');

    signalServer('SIGSTOP');
    frozen = true;
    const frozenAt = Date.now();
    // Paced production (a live stream over the freeze), not a wait for a state.
    for (let i = 0; i < 20; i += 1) {
      await produce(100);
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
    await allRecordedOnce(0, 20_000);
    await allRecordedOnce(1, 20_000);
    // No commit waited for the frozen replica: the longest pause between two blocks is well under its timeout.
    const gaps = await query<{ gap_ms: number }>(
      url,
      'SELECT extract(epoch FROM written_at - lag(written_at) OVER (ORDER BY height)) * 1000 AS gap_ms FROM ledger_blocks WHERE written_at >= $1::timestamptz',
      [before],
    );
    const longest = Math.max(...gaps.map((row) => Number(row.gap_ms ?? 0)));
    expect(longest).toBeLessThan(REPLICA_TIMEOUT_MS * 0.75);
    // One warning for the outage, saying why: it stopped answering (timed out, or too many writes waiting for it).
    const [down] = await alertsOf(
      'the frozen replica reported unhealthy',
      (alert) => alert.kind === 'replica-unhealthy' && alert.details?.replica === 'replica-3' && alert.severity === 'warning',
    );
    expect(String(down.details?.reason)).toMatch(new RegExp(`no answer within ${REPLICA_TIMEOUT_MS} ms|block writes were waiting for it`));
    const replicas = await eventually(
      async () => {
        const { replicas: states } = (await (await fetch(`${ledger?.baseUrl}/v1/replicas`)).json()) as {
          replicas: { replica: string; reachable: boolean; writerLock: boolean; inSync: boolean }[];
        };
        const third = states.find((state) => state.replica === 'replica-3');
        return third && !third.writerLock && !third.reachable ? states : undefined;
      },
      { what: 'the frozen replica to have lost its writer session', timeoutMs: 3 * REPLICA_TIMEOUT_MS },
    );
    expect(replicas.filter((state) => state.inSync).map((state) => state.replica)).toEqual(['replica-1', 'replica-2']);
    expect((await fetch(`${ledger?.baseUrl}/health/ready`)).status).toBe(200);
    expect(Date.now() - frozenAt).toBeLessThan(30_000);

    signalServer('SIGCONT');
    frozen = false;
    await produce(200);
    await allRecordedOnce(2);
    await alertsOf(
      'the woken replica recovered',
      (alert) => alert.kind === 'replica-unhealthy' && alert.details?.replica === 'replica-3' && alert.details?.state === 'recovered',
    );
    const heads = await Promise.all(replicaUrls().map((replica) => query<{ height: string }>(replica, 'SELECT max(height) AS height FROM ledger_blocks')));
    expect(new Set(heads.map(([row]) => row.height)).size).toBe(1);
  });

  const deleteHeadBlock = 'DELETE FROM ledger_blocks WHERE height = (SELECT max(height) FROM ledger_blocks)';
  const deleteLastThreeBlocks = [
    'DELETE FROM ledger_events WHERE height > (SELECT max(height) - 3 FROM ledger_blocks)',
    'DELETE FROM ledger_blocks WHERE height > (SELECT max(height) - 3 FROM ledger_blocks)',
  ];
  // A block row the ledger never wrote on top of the head: linked to it, but not signed with the ledger key.
  const forgeHeadBlock = `INSERT INTO ledger_blocks (height, previous_hash, merkle_root, event_count, tree_size, tree_root, offsets, block_time, block_hash, signature, checkpoint, tree_state, kafka_cursor)
    SELECT height + 1, block_hash, merkle_root, event_count, tree_size, tree_root, offsets, block_time, repeat('ab', 32), signature, checkpoint, tree_state, kafka_cursor
    FROM ledger_blocks ORDER BY height DESC LIMIT 1`;

  it.each([
    {
      name: 'a deleted head block whose event rows stay behind, on two replicas at once',
      replicas: [0, 1],
      sql: [deleteHeadBlock],
      problem: /removed after the replica had stored them/,
      findings: 2,
    },
    {
      name: 'the last three blocks deleted (truncation)',
      replicas: [1],
      sql: deleteLastThreeBlocks,
      problem: /blocks \d+\.\.\d+ were removed after the replica had stored them/,
      findings: 1,
    },
    {
      name: 'a forged head block',
      replicas: [0],
      sql: [forgeHeadBlock],
      problem: /divergent tail of 1 blocks is not the committed chain: block hash does not match the header/,
      findings: 1,
    },
  ])('repairs $name by itself while catching up, reports each replica as ledger-tamper, and commits on', async ({ replicas, sql, problem, findings }) => {
    // Idle first: no block in flight while the rows change under the writer.
    for (const index of [0, 1, 2]) await allRecordedOnce(index);
    const alertsBefore = seen.length;
    for (const index of replicas) for (const statement of sql) await query(replicaUrls()[index], statement);
    await produce(300);
    for (const index of [0, 1, 2]) await allRecordedOnce(index);
    for (const index of replicas) {
      const name = `replica-${index + 1}`;
      const [alert] = await alertsOf(
        `a tamper alert for ${name}`,
        (candidate) => seen.indexOf(candidate) >= alertsBefore && candidate.kind === 'ledger-tamper' && candidate.details?.replica === name,
      );
      expect(alert).toMatchObject({ severity: 'critical', details: { repaired: true, findings } });
      expect(String(alert.details?.problem)).toMatch(problem);
      const [orphans] = await query<{ count: string }>(
        replicaUrls()[index],
        'SELECT count(*) FROM ledger_events e WHERE NOT EXISTS (SELECT 1 FROM ledger_blocks b WHERE b.height = e.height)',
      );
      expect(Number(orphans.count)).toBe(0);
    }
    const heads = await Promise.all(
      replicaUrls().map((url) =>
        query<{ height: string; hash: string }>(url, 'SELECT height, block_hash AS hash FROM ledger_blocks ORDER BY height DESC LIMIT 1'),
      ),
    );
    expect(new Set(heads.map(([head]) => `${head.height}:${head.hash}`)).size).toBe(1);
  });
});
