// The S3 store attachments live on: Ceph (infra/ceph/ceph.sh) started when its radosgw does not answer, and the
// handles tests need to hurt it (kill one OSD, start it again) whichever checkout started it.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DEV_S3_CREDENTIALS, objectStoreConfigSchema } from '@medshare/service-kit';
import { portAnswers } from './ports';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '../..');
const cephScript = resolve(repoRoot, 'infra/ceph/ceph.sh');

export const objectStorePort = Number(process.env.CEPH_RGW_PORT ?? 17480);

/** Starts this checkout's Ceph unless an S3 store already answers on the radosgw port (idempotent, ~10-30 s). */
export async function ensureObjectStore(): Promise<void> {
  if (await portAnswers('127.0.0.1', objectStorePort)) return;
  await run('bash', [cephScript, 'start'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
}

/** The data folder of the running cluster (its radosgw's --conf), so a test reaches the daemons another checkout started. */
export function runningCephDataDir(): string {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args[0]?.endsWith('radosgw')) continue;
    const conf = args[args.indexOf('--conf') + 1];
    if (args.includes('--conf') && conf !== undefined) return dirname(conf);
  }
  throw new Error('no radosgw is running');
}

/** Runs infra/ceph/ceph.sh against the running cluster (e.g. `kill-osd 1`, `start`). */
export async function cephCommand(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [cephScript, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CEPH_DATA_DIR: runningCephDataDir() },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** The keys under `prefix` in the attachments' bucket (the services' defaults: this checkout's dev store). */
export async function objectKeys(prefix: string): Promise<string[]> {
  const { ListObjectsV2Command, S3Client } = await import('@aws-sdk/client-s3');
  const config = objectStoreConfigSchema.parse({ S3_ENDPOINT: `http://127.0.0.1:${objectStorePort}` });
  const client = new S3Client({ endpoint: config.S3_ENDPOINT, region: config.S3_REGION, forcePathStyle: true, credentials: DEV_S3_CREDENTIALS });
  try {
    const keys: string[] = [];
    for (let token: string | undefined; ;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: config.S3_BUCKET, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
      if (token === undefined) return keys;
    }
  } finally {
    client.destroy();
  }
}
