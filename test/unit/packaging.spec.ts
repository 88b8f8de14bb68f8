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
  ])('refuses %s', (_name, alter, problem) => {
    const { code, output } = checkCopy(alter);
    expect(code).toBe(1);
    expect(output).toMatch(problem);
  });
});
