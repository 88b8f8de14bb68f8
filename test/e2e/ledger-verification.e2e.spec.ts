// The ledger's verification and its doors, end to end on the real broker and three real replicas: bad
// path and query values answer 400 with a code (never 500, never the value echoed back), verification
// runs as a job (202 + Location, progress, report) and repairs only for the operator's token on the
// active writer, the export is for auditors and operators only, the auditor CLI holds a replica against
// a signed head it trusts, and the background's incremental verification finds an edited row in seconds.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseEvent, topics, type EventOf } from '@medshare/contracts';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { databaseUrl, dropDatabase, queryRows, testEndpoints } from '../support/endpoints';
import { closeAll } from '../support/cleanup';
import { kekRotated } from '../support/events';
import { eventually } from '../support/eventually';
import { runLedgerVerification } from '../support/ledger-verifications';
import { freePorts } from '../support/ports';
import { startService, type RunningService } from '../support/service-processes';
import { readTopic, topicEnds } from '../support/topic-reader';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const database = `ledger_v${run}`;
// Two free ports of the ledger range 4100-4109 (ledger.e2e uses 4120-4199, the bench 4110), set in beforeAll.
const ports = { writer: 0, standby: 0 };
const { kafkaBrokers, ledgerServers, stateServer } = testEndpoints();
const kafka = createKafka({ brokers: kafkaBrokers, clientId: `ledger-verification-e2e-${run}` });
const publisher = new EventPublisher(kafka);
const tokens = { operator: `operator-${run}-0123456789abcdef`, auditor: `auditor-${run}-0123456789abcdef` };

const env = {
  LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, database)).join(','),
  DATABASE_URL: databaseUrl(stateServer, `ledger_state_v${run}`),
  KAFKA_GROUP_ID: `ledger-verification-e2e-${run}`,
  LEDGER_START_FROM: new Date().toISOString(),
  BLOCK_MAX_EVENTS: '50',
  BLOCK_MAX_AGE_MS: '200',
  LEDGER_REPLICA_RETRY_MS: '250',
  LEDGER_VERIFY_INTERVAL_MS: '0',
  OPERATOR_TOKEN: tokens.operator,
  AUDITOR_TOKEN: tokens.auditor,
  LOG_LEVEL: 'warn',
};

const produced: string[] = [];

async function produce(count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) => kekRotated(produced.length + i + 1));
  await publisher.publish(topics.keys, events);
  produced.push(...events.map((event) => event.id));
}

const onReplica = <T>(index: number, sql: string, params: unknown[] = [], db = database): Promise<T[]> =>
  queryRows<T>(databaseUrl(ledgerServers[index], db), sql, params);

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Runs the auditor CLI as a process: its exit code and what it printed. */
async function audit(args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(process.execPath, [resolve(__dirname, '../../tools/verify/bin/medshare-verify.js'), ...args]).then(
    (result) => ({ code: 0, out: result.stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
  );
}

describe('ledger verification and its doors', () => {
  let ledger: RunningService;

  beforeAll(async () => {
    [ports.writer, ports.standby] = await freePorts(4100, 4110, 2);
    await publisher.connect();
    ledger = await startService('ledger', { port: ports.writer, env, instance: `ledger-v-${run}` });
    await produce(200);
    // Other runs may publish on the same topic: this run's last event having a proof is what says all are in.
    await eventually(async () => (await fetch(`${ledger.baseUrl}/v1/events/${produced[produced.length - 1]}/proof`)).status === 200 || undefined, {
      timeoutMs: 60_000,
      what: 'every event in a committed block',
    });
  });

  afterAll(() =>
    closeAll([
      () => ledger?.stop('SIGKILL'),
      () => publisher.disconnect(),
      ...ledgerServers.map((server) => () => dropDatabase(server, database)),
      () => dropDatabase(stateServer, `ledger_state_v${run}`),
    ]),
  );

  describe('bad path and query values', () => {
    it.each<{ name: string; path: string; method?: string; echo?: string; code?: string }>([
      { name: 'a NUL byte as event id', path: '/v1/events/%00/proof', echo: '\u0000' },
      { name: 'a control character inside an event id', path: '/v1/events/abc%0Adef/proof', echo: 'abc\ndef' },
      { name: 'an event id longer than any the chain holds', path: `/v1/events/${'x'.repeat(300)}/proof`, echo: 'x'.repeat(300) },
      { name: 'a NUL byte as height', path: '/v1/blocks/%00', echo: '\u0000' },
      { name: 'a height beyond safe integers', path: '/v1/blocks/99999999999999999999', echo: '99999999999999999999' },
      { name: 'a negative height', path: '/v1/blocks/-1' },
      { name: 'a size given twice', path: '/v1/consistency?from=0&from=1&to=1' },
      { name: 'a size given as an object', path: '/v1/consistency?from[x]=0&to=1' },
      { name: 'a size with a NUL byte', path: '/v1/consistency?from=1%00&to=2' },
      { name: 'a verification id that is not one', path: '/v1/verifications/%00secret', echo: 'secret' },
      { name: 'a repair flag that is neither true nor false', path: '/v1/verifications?repair=maybe', method: 'POST', echo: 'maybe' },
      { name: 'an event id that is not a percent-escape', path: '/v1/events/%E0%A4%Asecret/proof', echo: 'secret', code: 'malformed-request' },
    ])('answers 400 with a code for $name, and echoes nothing', async ({ path, method, echo, code }) => {
      const response = await fetch(`${ledger.baseUrl}${path}`, { method: method ?? 'GET' });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ code: code ?? 'invalid-request' });
      if (echo !== undefined) expect(text).not.toContain(echo);
    });

    it.each([
      { name: 'an event id the chain does not hold', path: '/v1/events/no-such-event-7f3a/proof', echo: 'no-such-event-7f3a' },
      { name: 'a height above the head', path: '/v1/blocks/900000', echo: '900000' },
      { name: 'a verification this instance never ran', path: `/v1/verifications/${randomUUID()}` },
    ])('answers 404 with a code for $name, and echoes nothing', async ({ path, echo }) => {
      const response = await fetch(`${ledger.baseUrl}${path}`);
      const text = await response.text();
      expect(response.status).toBe(404);
      expect(JSON.parse(text)).toMatchObject({ code: 'not-found' });
      if (echo !== undefined) expect(text).not.toContain(echo);
    });

    it('still serves proofs after the battery', async () => {
      const response = await fetch(`${ledger.baseUrl}/v1/events/${produced[3]}/proof`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ eventId: produced[3] });
    });
  });

  describe('verification as a job', () => {
    it('starts a read-only verification for anyone, answers 202 with a Location at once, the job reports every replica, and is the answer to anonymous requests for a minute', async () => {
      const started = Date.now();
      const response = await fetch(`${ledger.baseUrl}/v1/verifications`, { method: 'POST' });
      expect(response.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(2000);
      const location = response.headers.get('location') ?? '';
      const job = (await response.json()) as { id: string; status: string; repair: boolean };
      expect(location).toBe(`/v1/verifications/${job.id}`);
      expect(job).toMatchObject({ repair: false, status: expect.stringMatching(/^(queued|running)$/) });
      const done = await eventually(
        async () => {
          const current = (await (await fetch(`${ledger.baseUrl}${location}`)).json()) as { status: string; report?: { ok: boolean; replicas: unknown[] } };
          return current.status === 'done' ? current : undefined;
        },
        { timeoutMs: 60_000, what: 'the job to finish' },
      );
      expect(done.report).toMatchObject({ ok: true });
      expect(done.report?.replicas).toHaveLength(3);
      // Right after, an anonymous request gets that run again; a token buys a new one.
      const again = (await (await fetch(`${ledger.baseUrl}/v1/verifications`, { method: 'POST' })).json()) as { id: string };
      expect(again.id).toBe(job.id);
      const fresh = (await (await fetch(`${ledger.baseUrl}/v1/verifications`, { method: 'POST', headers: bearer(tokens.auditor) })).json()) as { id: string };
      expect(fresh.id).not.toBe(job.id);
    });

    it.each([
      { name: 'a repair with no token', headers: {}, status: 401, code: 'unauthenticated' },
      { name: 'a repair with a wrong token', headers: bearer('not-the-operator-token-at-all-0000'), status: 401, code: 'unauthenticated' },
      { name: "a repair with the auditor's token", headers: bearer(tokens.auditor), status: 403, code: 'forbidden' },
      {
        name: 'a read-only run with a wrong token',
        headers: bearer('not-the-auditor-token-at-all-00000'),
        status: 401,
        code: 'unauthenticated',
        repair: false,
      },
    ])('refuses $name', async ({ headers, status, code, repair }) => {
      const response = await fetch(`${ledger.baseUrl}/v1/verifications?repair=${repair ?? true}`, { method: 'POST', headers });
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code });
      if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });

    it("repairs a tampered replica for the operator's token, and reports the repair in the job", async () => {
      await onReplica(1, `UPDATE ledger_events SET canonical = canonical || '\\x20'::bytea WHERE leaf_index = 7`);
      const readOnly = await runLedgerVerification(ledger.baseUrl, { operatorToken: tokens.operator });
      expect(readOnly.replicas[1]).toMatchObject({ ok: false });
      expect(readOnly.replicas[1].findings[0]).toMatchObject({ row: 'event leaf 7' });
      expect(readOnly.replicas[1].repaired).toBeUndefined();

      const repaired = await runLedgerVerification(ledger.baseUrl, { repair: true, operatorToken: tokens.operator });
      expect(repaired.replicas[1]).toMatchObject({ ok: false, afterRepair: { ok: true } });
      expect((await runLedgerVerification(ledger.baseUrl, { operatorToken: tokens.operator })).ok).toBe(true);
    });

    it('refuses a repair on a standby (only the active writer repairs)', async () => {
      const standby = await startService('ledger', { port: ports.standby, env, instance: `ledger-v-standby-${run}` });
      try {
        const response = await fetch(`${standby.baseUrl}/v1/verifications?repair=true`, { method: 'POST', headers: bearer(tokens.operator) });
        expect(response.status).toBe(409);
        expect(await response.json()).toMatchObject({ code: 'not-writer' });
      } finally {
        await standby.stop();
      }
    });
  });

  describe('the export', () => {
    it.each([
      { name: 'no token', headers: {}, status: 401 },
      { name: 'a wrong token', headers: bearer('not-the-auditor-token-at-all-00000'), status: 401 },
      { name: "the auditor's token", headers: bearer(tokens.auditor), status: 200 },
      { name: "the operator's token", headers: bearer(tokens.operator), status: 200 },
    ])('answers $status to $name', async ({ headers, status }) => {
      const response = await fetch(`${ledger.baseUrl}/v1/export`, { headers });
      expect(response.status).toBe(status);
      const text = await response.text();
      if (status === 200) expect(text.split('\n').filter(Boolean).length).toBeGreaterThan(produced.length);
      else expect(JSON.parse(text)).toMatchObject({ code: 'unauthenticated' });
    });
  });

  describe('the auditor CLI against a signed head it trusts', () => {
    const dir = mkdtempSync(join(tmpdir(), `ledger-checkpoint-${run}-`));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('calls a replica cut short of the trusted head invalid, naming the checkpoint, where it called it valid before', async () => {
      const head = (await (await fetch(`${ledger.baseUrl}/v1/blocks/head`)).json()) as { height: number; treeSize: number };
      const checkpoint = join(dir, 'head.json');
      writeFileSync(checkpoint, JSON.stringify(head));
      const publicKey = await (await fetch(`${ledger.baseUrl}/v1/public-key`)).text();
      const replica = ['replica', '--url', databaseUrl(ledgerServers[2], database), '--public-key', publicKey];
      expect(await audit([...replica, '--checkpoint', checkpoint])).toMatchObject({
        code: 0,
        out: expect.stringContaining(`trusted:   checkpoint of size ${head.treeSize} reached`),
      });

      // A DBA deletes the trusted head's block and its events (and any block cut after it: other runs' events on the
      // shared topics keep the ledger committing): what is left is a consistent, shorter chain. The ledger is stopped
      // first, or its catch-up would copy the blocks back before the auditor looks.
      await ledger.stop();
      await onReplica(2, 'DELETE FROM ledger_events WHERE height >= $1', [head.height]);
      await onReplica(2, 'DELETE FROM ledger_blocks WHERE height >= $1', [head.height]);
      expect(await audit(replica)).toMatchObject({ code: 0 });
      const truncated = await audit([...replica, '--checkpoint', checkpoint]);
      expect(truncated.code).toBe(1);
      expect(truncated.out).toContain(`height ${head.height - 1} trusted checkpoint: the ledger ends at tree size`);
      expect(truncated.out).toContain(`below the trusted checkpoint's size ${head.treeSize}: it was cut short`);
    });
  });

  describe('background verification, incremental', () => {
    type Alert = EventOf<'governance.alert.v1'>;
    const addressOf = (index: number) => `${new URL(ledgerServers[index]).host}/${database}`;

    /** The ledger-tamper alerts about this run's replicas published after `from`. */
    async function tamperAlerts(from: Map<number, bigint>): Promise<Alert[]> {
      const messages = await readTopic(kafka, topics.governanceAlerts.name, { from });
      return messages.flatMap(({ value }) => {
        const parsed = parseEvent(value, topics.governanceAlerts.name);
        const mine =
          parsed.ok &&
          parsed.event.type === 'governance.alert.v1' &&
          parsed.event.data.kind === 'ledger-tamper' &&
          String(parsed.event.data.details?.address).endsWith(`/${database}`);
        return mine ? [parsed.event as Alert] : [];
      });
    }

    /** The first ledger-tamper alert about replica `index` published after `from`. */
    function tamperAlert(index: number, from: Map<number, bigint>): Promise<Alert> {
      return eventually(async () => (await tamperAlerts(from)).find((alert) => alert.data.details?.address === addressOf(index)), {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: `a ledger-tamper alert about replica-${index + 1}`,
      });
    }

    /** Every replica in sync and clean in the last background pass. */
    async function settled(): Promise<void> {
      await eventually(
        async () => {
          const { replicas } = (await (await fetch(`${ledger.baseUrl}/v1/replicas`)).json()) as {
            replicas: { inSync: boolean; lastVerification?: { ok: boolean } }[];
          };
          return replicas.every((replica) => replica.inSync && replica.lastVerification?.ok) || undefined;
        },
        { timeoutMs: 30_000, what: 'a clean background pass over replicas in sync' },
      );
    }

    beforeAll(async () => {
      await ledger.stop();
      // 1 s keeps the spec short; LEDGER_E2E_VERIFY_INTERVAL_MS=5000 measures detection at the service's default.
      const interval = process.env.LEDGER_E2E_VERIFY_INTERVAL_MS ?? '1000';
      ledger = await startService('ledger', { port: ports.writer, env: { ...env, LEDGER_VERIFY_INTERVAL_MS: interval }, instance: `ledger-v-bg-${run}` });
      // The first pass verifies everything and every replica is in sync: from then on only changes are read.
      await settled();
    });

    it('raises no tamper alert while blocks keep coming and a replica goes down, misses blocks and catches up', async () => {
      const from = await topicEnds(kafka, topics.governanceAlerts.name);
      const setDown = async (down: boolean) => {
        // The run's own database refuses connections: to the ledger, a replica server that went away.
        await onReplica(2, `ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS ${!down}`, [], 'postgres');
        if (down) await onReplica(2, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database], 'postgres');
      };
      for (let round = 0; round < 10; round += 1) {
        if (round === 2) await setDown(true);
        if (round === 6) await setDown(false);
        await produce(60);
        // Each round's events in a committed block before the next: blocks keep coming whatever the replica does.
        await eventually(async () => (await fetch(`${ledger.baseUrl}/v1/events/${produced[produced.length - 1]}/proof`)).status === 200 || undefined, {
          what: `round ${round} committed`,
        });
      }
      await settled();
      expect(await tamperAlerts(from)).toEqual([]);
    });

    it.each([
      {
        name: 'an edited event row of an old block',
        replica: 0,
        sql: `UPDATE ledger_events SET canonical = canonical || '\\x20'::bytea WHERE leaf_index = 11`,
        row: 'event leaf 11',
      },
      { name: 'a deleted old block row', replica: 1, sql: 'DELETE FROM ledger_blocks WHERE height = 1', row: 'block' },
    ])('finds $name within seconds, names it in a ledger-tamper alert, and repairs it', async ({ replica, sql, row }) => {
      const from = await topicEnds(kafka, topics.governanceAlerts.name);
      await onReplica(replica, sql);
      const editedAt = Date.now();
      const alert = await tamperAlert(replica, from);
      const detectionMs = Date.parse(alert.time) - editedAt;
      process.stdout.write(`ledger tamper detection (${row}): ${detectionMs} ms from the edit to the alert\n`);
      expect(alert.data.details).toMatchObject({ replica: `replica-${replica + 1}`, row, repaired: true });
      expect(detectionMs).toBeLessThan(10_000);
      expect((await runLedgerVerification(ledger.baseUrl, { operatorToken: tokens.operator })).ok).toBe(true);
    });
  });
});
