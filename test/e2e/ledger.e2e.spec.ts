// The ledger end to end, as real processes on the real broker and three real PostgreSQL replicas: crash
// and restart mid-stream, fail-over to a standby, replica outages (one: commits go on; two: they stop)
// and tampering with rows on one replica (found, alerted, repaired). Replica outages are simulated on
// this run's own databases (`ALLOW_CONNECTIONS false` and terminating their sessions: to the ledger it
// is a server that went away and refuses connections), since the shared servers must stay up.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Consumer } from 'kafkajs';
import { Client } from 'pg';
import { parseEvent, topics, type EventOf } from '@medshare/contracts';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { DEV_AUDITOR_TOKEN } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, queryRows, testEndpoints } from '../support/endpoints';
import { closableConsumer, type ClosableConsumer } from '../support/topic-reader';
import { closeAll } from '../support/cleanup';
import { DecisionLoad } from '../support/decision-load';
import { consistently, eventually } from '../support/eventually';
import { runLedgerVerification, type LedgerVerificationReport } from '../support/ledger-verifications';
import { startService, type RunningService } from '../support/service-processes';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const database = `ledger_t${run}`;
// Two ports of the ledger range (4100-4199) picked by the run, so runs at the same time do not collide.
const ports = ((base) => ({ writer: base, standby: base + 1 }))(4120 + (parseInt(run.slice(0, 4), 16) % 40) * 2);
const { kafkaBrokers, ledgerServers, stateServer } = testEndpoints();
const startedAt = new Date().toISOString();
const kafka = createKafka({ brokers: kafkaBrokers, clientId: `ledger-e2e-${run}` });
const publisher = new EventPublisher(kafka);
const cli = resolve(__dirname, '../../tools/verify/bin/medshare-verify.js');
const execFileAsync = promisify(execFile);

const env = {
  LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, database)).join(','),
  DATABASE_URL: databaseUrl(stateServer, `ledger_state_t${run}`),
  KAFKA_GROUP_ID: `ledger-e2e-${run}`,
  LEDGER_START_FROM: startedAt,
  BLOCK_MAX_EVENTS: '500',
  BLOCK_MAX_AGE_MS: '200',
  LEDGER_REPLICA_RETRY_MS: '250',
  LEDGER_VERIFY_INTERVAL_MS: '0',
  LOG_LEVEL: 'warn',
};

const load = new DecisionLoad(publisher, run);
const { produced } = load;
const produce = (count: number) => load.produce(count);

/** Produces in small batches until stopped, as a live stream would. */
function stream(batch = 100, pauseMs = 20): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    while (running) {
      await produce(batch);
      // Pacing of the load, not a wait for a state.
      await new Promise((resolveWait) => setTimeout(resolveWait, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

const onReplica = <T>(index: number, sql: string, params: unknown[] = [], db = database): Promise<T[]> =>
  queryRows<T>(databaseUrl(ledgerServers[index], db), sql, params);

async function setReplicaDown(index: number, down: boolean): Promise<void> {
  await onReplica(index, `ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS ${down ? 'false' : 'true'}`, [], 'postgres');
  if (down) await onReplica(index, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database], 'postgres');
}

/** How many of this run's events replica `index` holds, and how many distinct. */
const recorded = (index: number) => load.recorded(databaseUrl(ledgerServers[index], database));

async function allRecordedOnce(index: number, timeoutMs = 60_000): Promise<void> {
  const counts = await load.allRecorded(databaseUrl(ledgerServers[index], database), { name: `replica ${index + 1}`, timeoutMs });
  expect(counts.rows).toBe(produced.length);
}

/** Every partition's ranges follow on from the previous block's, with no gap and no overlap. */
async function offsetRangesContiguous(index: number): Promise<void> {
  const blocks = await onReplica<{ height: string; offsets: { topic: string; partition: number; first: string; last: string }[] }>(
    index,
    'SELECT height, offsets FROM ledger_blocks ORDER BY height',
  );
  const next = new Map<string, bigint>();
  const gaps: string[] = [];
  for (const block of blocks) {
    for (const range of block.offsets) {
      const key = `${range.topic}:${range.partition}`;
      const expected = next.get(key);
      if (expected !== undefined && BigInt(range.first) !== expected) gaps.push(`${key} at height ${block.height}: ${range.first} after ${expected}`);
      next.set(key, BigInt(range.last) + 1n);
    }
  }
  expect(gaps).toEqual([]);
  expect(blocks.length).toBeGreaterThan(1);
}

/** Runs the auditor CLI as a process: its exit code and what it printed. */
async function audit(args: string[]): Promise<{ code: number; out: string }> {
  return execFileAsync(process.execPath, [cli, ...args]).then(
    (result) => ({ code: 0, out: result.stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
  );
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

/** Verifies and repairs every replica, as the operator. */
function verify(ledger: RunningService): Promise<LedgerVerificationReport> {
  return runLedgerVerification(ledger.baseUrl, { repair: true });
}

async function headHeight(ledger: RunningService): Promise<number> {
  const { body } = await json<{ height?: number }>(`${ledger.baseUrl}/v1/blocks/head`);
  return body.height ?? -1;
}

async function writerRole(ledger: RunningService): Promise<string> {
  return (await json<{ writer: string }>(`${ledger.baseUrl}/v1/replicas`)).body.writer;
}

type AlertData = EventOf<'governance.alert.v1'>['data'];

/** This run's replica address as the ledger names it in alerts (host:port/database). */
const addressOf = (index: number): string => `${new URL(ledgerServers[index]).host}/${database}`;

describe('ledger', () => {
  let ledger: RunningService;
  const extra: RunningService[] = [];
  let alerts: Consumer;
  let alertsReader: ClosableConsumer;
  const seen: AlertData[] = [];

  /** Waits for an alert of this run's chain, and returns every one that matches (to count them). */
  async function alertsOf(what: string, matches: (alert: AlertData) => boolean): Promise<AlertData[]> {
    const mine = (alert: AlertData) => String(alert.details?.chain ?? alert.details?.address ?? '').includes(database) && matches(alert);
    return eventually(() => (seen.some(mine) ? seen.filter(mine) : undefined), { what });
  }

  /** The stream stopped after a hand-over to `standby`: every event once, offsets contiguous, the chain valid. */
  async function handedOverTo(standby: RunningService, live: { stop(): Promise<void> }): Promise<void> {
    await live.stop();
    await allRecordedOnce(1);
    await offsetRangesContiguous(1);
    ledger = standby;
    extra.splice(0);
    expect((await verify(ledger)).ok).toBe(true);
  }

  beforeAll(async () => {
    await publisher.connect();
    alertsReader = closableConsumer(kafka, { groupId: `ledger-e2e-alerts-${run}` });
    alerts = alertsReader.consumer;
    await alerts.connect();
    await alerts.subscribe({ topic: topics.governanceAlerts.name, fromBeginning: false });
    const joined = new Promise<void>((resolveJoin) => alerts.on(alerts.events.GROUP_JOIN, () => resolveJoin()));
    await alerts.run({
      eachMessage: async ({ message }) => {
        // Other runs share the topic, poison messages included: parse, never throw.
        const parsed = parseEvent(message.value, topics.governanceAlerts.name);
        if (parsed.ok && parsed.event.type === 'governance.alert.v1') seen.push(parsed.event.data);
      },
    });
    await joined;
    ledger = await startService('ledger', { port: ports.writer, env, instance: `ledger-a-${run}` });
  });

  afterAll(() =>
    closeAll([
      () => Promise.all([ledger, ...extra].map((service) => service?.stop('SIGKILL'))),
      () => alertsReader?.close(),
      () => publisher.disconnect(),
      // A replica a test left refusing connections: let it take them again (it may not exist at all).
      ...ledgerServers.map((_, i) => () => setReplicaDown(i, false).catch(() => undefined)),
      ...ledgerServers.map((server) => () => dropDatabase(server, database)),
      () => dropDatabase(stateServer, `ledger_state_t${run}`),
    ]),
  );

  it('after kill -9 mid-stream and a restart, holds every event exactly once in a chain that verifies, with contiguous offsets', async () => {
    const live = stream();
    await eventually(async () => ((await headHeight(ledger)) >= 2 ? true : undefined), { what: 'a few blocks before the crash' });
    await ledger.stop('SIGKILL');
    await live.stop();
    ledger = await startService('ledger', { port: ports.writer, env, instance: `ledger-a-${run}` });
    await produce(300);
    await allRecordedOnce(0);
    await offsetRangesContiguous(0);
    expect((await verify(ledger)).ok).toBe(true);
  });

  // A crash frees the locks at once; a frozen writer keeps them until its lease runs out (5 s without a sign of life;
  // frozen in the middle of a block's COPY, the statement timeout first). Measured ~2-3 s (kill) on a machine at
  // load ~15, 4-8 s at load 20-25: the bounds leave room for a loaded CI.
  it.each([
    { fault: 'dies (kill -9)', instance: 'b', signal: 'SIGKILL' as const, withinMs: 8_000 },
    { fault: 'freezes (SIGSTOP), and fences the frozen writer when it wakes', instance: 'c', signal: 'SIGSTOP' as const, withinMs: 15_000 },
  ])('fails over to a standby within $withinMs ms when the active writer $fault, and loses or repeats nothing', async ({ instance, signal, withinMs }) => {
    const standby = await startService('ledger', {
      port: ledger.port === ports.writer ? ports.standby : ports.writer,
      env,
      instance: `ledger-${instance}-${run}`,
    });
    extra.push(standby);
    expect(await writerRole(standby)).toBe('standby');
    expect(await writerRole(ledger)).toBe('active');
    const live = stream();
    await eventually(async () => ((await recorded(0)).distinct > produced.length - 2000 ? true : undefined), { what: 'the stream to be committing' });
    const old = ledger;
    const faultAt = Date.now();
    if (signal === 'SIGKILL') await old.stop('SIGKILL');
    else old.process.kill('SIGSTOP');
    // Taken over = the standby committed a block of its own (the events keep coming).
    const heightAtFault = await headHeight(standby);
    await eventually(async () => ((await writerRole(standby)) === 'active' && (await headHeight(standby)) > heightAtFault ? true : undefined), {
      intervalMs: 50,
      what: 'the standby to take over',
    });
    const takeOverMs = Date.now() - faultAt;
    process.stdout.write(
      `ledger fail-over: the writer ${signal === 'SIGKILL' ? 'killed' : 'frozen'} at ${new Date(faultAt).toISOString()}, the standby committed its first block after ${takeOverMs} ms\n`,
    );
    expect(takeOverMs).toBeLessThan(withinMs);
    if (signal === 'SIGSTOP') {
      old.process.kill('SIGCONT');
      // Its lease ran out while it was frozen: it steps down instead of writing (any write it tried was refused).
      await eventually(async () => ((await writerRole(old)) === 'standby' ? true : undefined), { what: 'the woken writer to step down' });
      expect(await writerRole(standby)).toBe('active');
      await old.stop('SIGKILL');
    }
    await handedOverTo(standby, live);
    // A woken writer reports the replicas whose sessions it lost: those alerts are this test's, not the next ones'.
    seen.splice(0);
  });

  // A graceful stop of the active writer while its block commit waits on the replicas (slow at load 30 on two cores; here
  // two replicas' ledger_blocks are locked by the test and the writer's replica timeout is 30 s): it exits 0 within
  // SHUTDOWN_TIMEOUT_MS (15 s) and the block in flight is redone by the standby. It used to wait for the commit and be
  // ended by the deadline with exit 1.
  it('stops gracefully (SIGTERM) within SHUTDOWN_TIMEOUT_MS while a block commit waits on the replicas; the standby redoes it, nothing lost or repeated', async () => {
    const otherPort = ledger.port === ports.writer ? ports.standby : ports.writer;
    const patient = await startService('ledger', { port: otherPort, env: { ...env, LEDGER_REPLICA_TIMEOUT_MS: '30000' }, instance: `ledger-d-${run}` });
    extra.push(patient);
    expect(await ledger.stop('SIGTERM')).toBe(0);
    await eventually(async () => ((await writerRole(patient)) === 'active' ? true : undefined), { what: 'the patient writer to take over' });
    const standby = await startService('ledger', { port: ledger.port, env, instance: `ledger-e-${run}` });
    extra.push(standby);
    const live = stream();
    const locks = [1, 2].map((index) => new Client({ connectionString: databaseUrl(ledgerServers[index], database) }));
    try {
      await eventually(async () => ((await recorded(0)).distinct > produced.length - 2000 ? true : undefined), { what: 'the stream to be committing' });
      for (const lock of locks) {
        await lock.connect();
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE ledger_blocks IN EXCLUSIVE MODE');
      }
      const stalled = (await recorded(0)).distinct;
      await eventually(async () => (produced.length > stalled + 500 ? true : undefined), { what: 'events waiting for a block' });
      const stoppingAt = Date.now();
      const code = await patient.stop('SIGTERM');
      const stopMs = Date.now() - stoppingAt;
      process.stdout.write(`ledger graceful stop with a commit waiting on the replicas: exit ${code} after ${stopMs} ms\n`);
      expect({ code, withinTimeout: stopMs < 15_000 }).toEqual({ code: 0, withinTimeout: true });
    } finally {
      await Promise.all(locks.map((lock) => lock.end().catch(() => undefined)));
    }
    const heightAtStop = await headHeight(standby);
    await eventually(async () => ((await writerRole(standby)) === 'active' && (await headHeight(standby)) > heightAtStop ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the standby to take over',
    });
    await handedOverTo(standby, live);
  });

  it('commits on with one replica down (one warning, however long it stays down), and catches that replica up when it is back', async () => {
    await setReplicaDown(2, true);
    const before = await headHeight(ledger);
    await produce(1500);
    await allRecordedOnce(0);
    expect(await headHeight(ledger)).toBeGreaterThan(before);
    const down = await alertsOf(
      'replica-3 down alert',
      (alert) => alert.kind === 'replica-unhealthy' && alert.details?.address === addressOf(2) && alert.severity === 'warning',
    );
    expect(down[0].details).toMatchObject({ replica: 'replica-3', state: 'down' });
    // Through several retry ticks (250 ms), still one alert.
    const downAlerts = () =>
      seen.filter((alert) => alert.kind === 'replica-unhealthy' && alert.details?.address === addressOf(2) && alert.severity === 'warning').length;
    await consistently(() => downAlerts() === 1, { forMs: 1500, what: 'one replica-down alert' });
    await setReplicaDown(2, false);
    await allRecordedOnce(2);
    const caughtUp = await eventually(
      async () => {
        const { body } = await json<{ replicas: { replica: string; lag?: number; inSync: boolean }[] }>(`${ledger.baseUrl}/v1/replicas`);
        return body.replicas.every((replica) => replica.inSync && replica.lag === 0) ? body : undefined;
      },
      { what: 'replica-3 in sync' },
    );
    expect(caughtUp.replicas).toHaveLength(3);
    await alertsOf(
      'replica-3 recovered',
      (alert) =>
        alert.kind === 'replica-unhealthy' && alert.details?.address === addressOf(2) && alert.details?.state === 'recovered' && alert.severity === 'info',
    );
    expect((await verify(ledger)).ok).toBe(true);
  });

  it('stops committing with two replicas down (and says so), then resumes with one back, losing nothing', async () => {
    await setReplicaDown(1, true);
    await setReplicaDown(2, true);
    const ready = await eventually(async () => ((await fetch(`${ledger.baseUrl}/health/ready`)).status === 503 ? true : undefined), {
      what: 'readiness to report the lost quorum',
    });
    expect(ready).toBe(true);
    await eventually(async () => ((await (await fetch(`${ledger.baseUrl}/metrics`)).text()).includes('medshare_ledger_quorum 0') ? true : undefined), {
      what: 'the quorum metric to drop',
    });
    const lost = await alertsOf('the quorum-lost alert', (alert) => alert.kind === 'quorum-lost' && alert.severity === 'critical');
    expect(lost[0].details).toMatchObject({ state: 'lost', replicas: 3, needed: 2 });
    const stalled = (await recorded(0)).distinct;
    await produce(700);
    await consistently(async () => (await recorded(0)).distinct === stalled, { forMs: 1500, intervalMs: 250, what: 'nothing committed without a quorum' });
    // The writer retried all along (250 ms): still one critical alert for this outage.
    expect(
      seen.filter((alert) => alert.kind === 'quorum-lost' && alert.severity === 'critical' && String(alert.details?.chain).includes(database)),
    ).toHaveLength(1);
    await setReplicaDown(1, false);
    await allRecordedOnce(0);
    await allRecordedOnce(1);
    await alertsOf('the quorum-back alert', (alert) => alert.kind === 'quorum-lost' && alert.severity === 'info' && alert.details?.state === 'recovered');
    await setReplicaDown(2, false);
    await allRecordedOnce(2);
    expect((await fetch(`${ledger.baseUrl}/health/ready`)).status).toBe(200);
    await offsetRangesContiguous(0);
  });

  describe('tampering on one replica', () => {
    beforeAll(async () => {
      for (let i = 0; i < ledgerServers.length; i += 1) await setReplicaDown(i, false);
    });

    it.each([
      {
        name: 'an edited event row',
        replica: 1,
        row: 'event leaf 10',
        sql: `UPDATE ledger_events SET canonical = canonical || '\\x20'::bytea WHERE leaf_index = 10`,
      },
      { name: 'an edited block header', replica: 2, row: 'header', sql: `UPDATE ledger_blocks SET merkle_root = repeat('0', 64) WHERE height = 1` },
      { name: 'a deleted event row', replica: 0, row: 'event leaf 3', sql: 'DELETE FROM ledger_events WHERE leaf_index = 3' },
    ])('finds $name, names replica, height and row, alerts, and repairs it from the quorum', async ({ replica, row, sql }) => {
      const [{ height }] = await onReplica<{ height: string }>(
        replica,
        row === 'header' ? 'SELECT 1 AS height' : `SELECT height FROM ledger_events WHERE leaf_index = ${row.split(' ')[2]}`,
      );
      await onReplica(replica, sql);
      const name = `replica-${replica + 1}`;

      const publicKey = await (await fetch(`${ledger.baseUrl}/v1/public-key`)).text();
      const found = await audit(['replica', '--url', databaseUrl(ledgerServers[replica], database), '--public-key', publicKey]);
      expect(found.code).toBe(1);
      expect(found.out).toContain(`height ${height}`);

      const report = await verify(ledger);
      const tampered = report.replicas.find((candidate) => candidate.replica === name);
      expect(report.ok).toBe(false);
      expect(tampered?.findings[0]).toMatchObject({ height: Number(height), row });
      expect(tampered?.afterRepair?.ok).toBe(true);
      expect(report.replicas.filter((candidate) => candidate.replica !== name).every((candidate) => candidate.ok)).toBe(true);

      const alert = await eventually(
        () =>
          seen.find((candidate) => candidate.kind === 'ledger-tamper' && candidate.details?.address === addressOf(replica) && candidate.details?.row === row),
        { what: 'the tamper alert' },
      );
      expect(alert.details).toMatchObject({ replica: name, height: Number(height) });
      expect((await verify(ledger)).ok).toBe(true);
    });
  });

  describe('export and offline verification', () => {
    const dir = mkdtempSync(join(tmpdir(), `ledger-export-${run}-`));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** The file with one character of event leaf `leafIndex`'s canonical bytes changed: one flipped byte of the event. */
    function withFlippedEventByte(file: string, leafIndex: number): { path: string; height: number } {
      const lines = readFileSync(file, 'utf8').split('\n');
      const at = lines.findIndex((line) => line.includes('"kind":"event"') && (JSON.parse(line) as { leafIndex: number }).leafIndex === leafIndex);
      const record = JSON.parse(lines[at]) as { height: number; canonical: string };
      const bytes = Buffer.from(record.canonical, 'base64');
      bytes[10] ^= 0x01;
      lines[at] = JSON.stringify({ ...record, canonical: bytes.toString('base64') });
      const path = join(dir, 'flipped.jsonl');
      writeFileSync(path, lines.join('\n'));
      return { path, height: record.height };
    }

    it.each([
      { name: 'the CLI from a replica', via: 'cli' },
      { name: 'GET /v1/export', via: 'api' },
    ])('exports through $name a file that verifies offline like the replica, and names the height of one flipped byte', async ({ via }) => {
      const publicKey = await (await fetch(`${ledger.baseUrl}/v1/public-key`)).text();
      const file = join(dir, `${via}.jsonl`);
      if (via === 'cli') {
        const exported = await audit(['export', '--url', databaseUrl(ledgerServers[0], database), '--out', file]);
        expect(exported).toMatchObject({ code: 0, out: expect.stringContaining('exported') });
      } else {
        const response = await fetch(`${ledger.baseUrl}/v1/export`, { headers: { authorization: `Bearer ${DEV_AUDITOR_TOKEN}` } });
        expect(response.status).toBe(200);
        writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      }
      const offline = await audit(['file', '--file', file, '--public-key', publicKey]);
      expect(offline).toMatchObject({ code: 0, out: expect.stringMatching(/^valid\nfile: +\S+\nheight: +\d+\ntree size: +\d+/) });

      const flipped = withFlippedEventByte(file, 7);
      const tampered = await audit(['file', '--file', flipped.path, '--public-key', publicKey]);
      expect(tampered.code).toBe(1);
      expect(tampered.out).toContain(`height ${flipped.height} event leaf 7: leaf hash does not match the stored event bytes`);
    });
  });
});
