// Given a copy of the packaging and the apps' declarations, when one of them is altered, then
// infra/check-packaging.js names the disagreement (and passes the unaltered copy).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
// What the check reads: the packaging, each app's package.json and config, the kit's schemas, the topics command and
// its Kafka client's settings.
const COPIED = ['infra', 'apps', 'libs/service-kit/src', 'tools/cli/src/commands', 'tools/cli/src/kafka.ts', 'libs/messaging/src/kafka-security.ts'];

type Edit = (root: string) => void;

function edit(file: string, change: (text: string) => string): Edit {
  return (root) => {
    const path = join(root, file);
    const before = readFileSync(path, 'utf8');
    const after = change(before);
    if (after === before) throw new Error(`the edit of ${file} changed nothing`);
    writeFileSync(path, after);
  };
}

/** The app as if it declared single-instance (no app does today; the check must still hold one to it). */
const singleInstance = (app: string) => edit(`apps/${app}/package.json`, (text) => text.replace('"scale-out"', '"single-instance"'));
const both =
  (...edits: Edit[]): Edit =>
  (root) => {
    for (const alter of edits) alter(root);
  };

function checkCopy(alter?: Edit): { code: number; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'medshare-packaging-'));
  try {
    for (const folder of COPIED)
      cpSync(join(ROOT, folder), join(root, folder), { recursive: true, filter: (source) => !/\/(dist|node_modules)(\/|$)/.test(source) });
    alter?.(root);
    try {
      return { code: 0, output: execFileSync(process.execPath, [join(ROOT, 'infra/check-packaging.js'), root], { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error) {
      const failed = error as { status: number; stdout: string; stderr: string };
      return { code: failed.status, output: `${failed.stdout}${failed.stderr}` };
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('infra/check-packaging.js', () => {
  it('passes the packaging as it is', () => {
    expect(checkCopy()).toMatchObject({ code: 0, output: expect.stringMatching(/checks passed/) });
  });

  it.each<[string, Edit, RegExp]>([
    [
      'two replicas with a rolling update of an app declared single-instance',
      singleInstance('governance'),
      /governance is single-instance .*replicas must be 1 and the strategy Recreate/,
    ],
    [
      'two containers in compose of an app declared single-instance',
      both(
        singleInstance('governance'),
        edit('infra/compose/compose.yaml', (text) => text.replace(/^  governance:\n/m, '  governance:\n    deploy: { replicas: 2 }\n')),
      ),
      /services\.governance: governance is single-instance/,
    ],
    [
      'three ledger replicas, while the ledger declares active-standby',
      edit('infra/k8s/ledger.yaml', (text) => text.replace('replicas: 2', 'replicas: 3')),
      /ledger is active-standby .*replicas must be 2/,
    ],
    [
      'an app that declares no scaling',
      edit('apps/encryption/package.json', (text) => text.replace(/\s*"medshare": \{[^}]*\},/, '')),
      /apps\/encryption\/package\.json: "medshare": \{ "scaling"/,
    ],
    [
      "ingestion logging in to Kafka with governance's password",
      edit('infra/compose/compose.yaml', (text) =>
        text.replace('{ source: kafka-ingestion, target: kafka-password }', '{ source: kafka-governance, target: kafka-password }'),
      ),
      /services\.ingestion: must mount medshare-ca and only its own Kafka password/,
    ],
    [
      'a broker that allows what no ACL names',
      edit('infra/compose/kafka-start.sh', (text) => text.replace('allow.everyone.if.no.acl.found=false', 'allow.everyone.if.no.acl.found=true')),
      /kafka-start\.sh: missing allow\.everyone\.if\.no\.acl\.found=false/,
    ],
    [
      'a service reaching PostgreSQL without checking its certificate',
      edit('infra/compose/compose.yaml', (text) => text.replace('ingestion?sslmode=verify-full&sslrootcert=/run/secrets/medshare-ca', 'ingestion')),
      /services\.ingestion: database URLs must end in \?sslmode=verify-full/,
    ],
    [
      "encryption in Kubernetes holding governance's Kafka password",
      edit('infra/k8s/encryption.yaml', (text) => text.replace('key: encryption.password', 'key: governance.password')),
      /Deployment encryption: must mount medshare-transport with ca\.crt and only its own encryption\.password/,
    ],
    [
      'Kubernetes workloads on a plaintext bus',
      edit('infra/k8s/config.yaml', (text) => text.replace('KAFKA_SECURITY: sasl_ssl', 'KAFKA_SECURITY: plaintext')),
      /KAFKA_SECURITY must come from medshare-config, which must say sasl_ssl/,
    ],
    [
      'two Kafka nodes and a fourth in compose',
      edit('infra/compose/compose.yaml', (text) => text.replace('KAFKA_NODE_ID: "3"', 'KAFKA_NODE_ID: "4"')),
      /needs three Kafka nodes kafka-1, kafka-2, kafka-3/,
    ],
    [
      'compose topics on one replica',
      edit('infra/compose/kafka-start.sh', (text) => text.replace('default.replication.factor=3', 'default.replication.factor=1')),
      /kafka-start\.sh: missing default\.replication\.factor=3/,
    ],
    [
      'compose acks=all writes that one replica may take alone',
      edit('infra/compose/kafka-start.sh', (text) => text.replace('min.insync.replicas=2', 'min.insync.replicas=1')),
      /kafka-start\.sh: missing min\.insync\.replicas=2/,
    ],
    [
      'a service made a Kafka super user',
      edit('infra/compose/kafka-start.sh', (text) =>
        text.replace('super.users=User:broker;User:operator', 'super.users=User:broker;User:operator;User:ingestion'),
      ),
      /kafka-start\.sh: missing super\.users=User:broker;User:operator/,
    ],
    [
      'services bootstrapping from one Kafka node',
      edit('infra/compose/compose.yaml', (text) => text.replace('KAFKA_BROKERS: kafka-1:9092,kafka-2:9092,kafka-3:9092', 'KAFKA_BROKERS: kafka-1:9092')),
      /services\.ingestion: KAFKA_BROKERS must name every Kafka node/,
    ],
    [
      'compose services without resource limits',
      edit('infra/compose/compose.yaml', (text) => text.replace('limits: { cpus: "1", memory: 768m }', 'reservations: { cpus: "1", memory: 768m }')),
      /services\.ingestion: needs deploy\.resources\.limits with cpus and memory/,
    ],
    [
      'a Kubernetes Job container without limits',
      edit('infra/k8s/topics-job.yaml', (text) => text.replace('            limits: { cpu: 500m, memory: 256Mi }\n', '')),
      /Job medshare-topics: container topics: needs cpu and memory requests and limits/,
    ],
    [
      "ingestion logging in to PostgreSQL as the server's superuser",
      edit('infra/compose/compose.yaml', (text) =>
        text.replace('postgres://ingestion:${INGESTION_DB_PASSWORD', 'postgres://postgres:${STATE_DB_ADMIN_PASSWORD'),
      ),
      /services\.ingestion: must log in to state-db as its own role ingestion, never as the server's superuser/,
    ],
    [
      'service roles created as superusers',
      edit('infra/compose/postgres-init/service-roles.sh', (text) =>
        text.replace("PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;", "PASSWORD :'password' SUPERUSER;"),
      ),
      /service-roles\.sh: the service roles must be NOSUPERUSER NOCREATEDB NOCREATEROLE/,
    ],
    [
      'a Kubernetes database URL with a superuser',
      edit('infra/k8s/templates/keys-secret.yaml', (text) => text.replace('postgres://ingestion:<password>', 'postgres://postgres:<password>')),
      /INGESTION_DATABASE_URL must log in as the service's own role ingestion/,
    ],
    [
      'a Strimzi cluster of two nodes',
      edit('infra/k8s/kafka.yaml', (text) => text.replace('  replicas: 3\n', '  replicas: 2\n')),
      /Kafka medshare: needs three brokers and three controllers \(found 2 and 2\)/,
    ],
    [
      'a Strimzi cluster with min.insync.replicas 1',
      edit('infra/k8s/kafka.yaml', (text) => text.replace('min.insync.replicas: 2', 'min.insync.replicas: 1')),
      /Kafka medshare: spec\.kafka\.config needs min\.insync\.replicas: 2/,
    ],
    [
      'a service made a Strimzi super user',
      edit('infra/k8s/kafka.yaml', (text) => text.replace('superUsers: [operator]', 'superUsers: [operator, ingestion]')),
      /authorization must be simple with the operator the only super user/,
    ],
    [
      'one instance of a scale-out service in Kubernetes',
      edit('infra/k8s/ingestion.yaml', (text) => text.replace('replicas: 2', 'replicas: 1')),
      /ingestion is scale-out .*replicas must be 2 or more/,
    ],
    [
      "access control using ingestion's S3 key",
      edit('infra/compose/compose.yaml', (text) =>
        text.replace(
          '${ACCESS_CONTROL_S3_ACCESS_KEY_ID:?set ACCESS_CONTROL_S3_ACCESS_KEY_ID in .env}',
          '${INGESTION_S3_ACCESS_KEY_ID:?set INGESTION_S3_ACCESS_KEY_ID in .env}',
        ),
      ),
      /services\.access-control: S3_ACCESS_KEY_ID is ingestion's too/,
    ],
    [
      'ingestion in compose without the S3 store',
      edit('infra/compose/compose.yaml', (text) => text.replace('<<: [*service-env, *object-store]', '<<: *service-env')),
      /services\.ingestion: stores attachments, so it needs S3_ENDPOINT/,
    ],
    [
      'the S3 store over plain http in Kubernetes',
      edit('infra/k8s/config.yaml', (text) => text.replace('S3_ENDPOINT: https://', 'S3_ENDPOINT: http://')),
      /Deployment ingestion: stores attachments, so S3_ENDPOINT must come from medshare-config and be an https:\/\/ URL/,
    ],
  ])('refuses %s', (_name, alter, problem) => {
    const { code, output } = checkCopy(alter);
    expect(code).toBe(1);
    expect(output).toMatch(problem);
  });
});
