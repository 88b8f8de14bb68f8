// `medshare demo`: synthetic hospital traffic against a running platform, with a line of progress every few
// seconds. Bundles come from libs/synthetic (deterministic, no real data); every tenth request is invalid
// on purpose so rejections show up too; some patients are then shared under consent (demo-sharing.ts).
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { bundlesForLoad, INSTITUTIONS, NATIONAL_ID_SYSTEM } from '@medshare/synthetic';
import { parseFlags, type CommandIo } from '../io';
import { DemoSharing, type SharingCounts } from './demo-sharing';
import { DEV_OPERATOR_TOKEN } from './keys';
import { servicePorts } from './status';

const usage = 'usage: medshare demo [--rate BUNDLES_PER_SECOND] [--duration SECONDS] [--resources PER_BUNDLE] [--seed SEED]';

export async function demoCommand(args: string[], io: CommandIo): Promise<number> {
  const { flags, error } = parseFlags(args, ['rate', 'duration', 'resources', 'seed']);
  const rate = Number(flags.rate ?? 2);
  const duration = Number(flags.duration ?? 0);
  const resources = Number(flags.resources ?? 20);
  if (error !== undefined || !(rate > 0) || !(duration >= 0) || !Number.isInteger(resources) || resources < 1) {
    io.err(error ?? usage);
    return 2;
  }
  const keys = new PlatformKeys(platformKeysSchema.parse(process.env));
  const tokens = new Map(
    INSTITUTIONS.map((institution) => [
      institution.id,
      issueInstitutionToken(keys.institutionPrivateKey(institution.id), { institution: institution.id, ttlSeconds: 24 * 3600 }),
    ]),
  );
  const counts = { sent: 0, accepted: 0, rejected: 0, failed: 0 };
  const sharing = new DemoSharing(
    servicePorts['access-control'],
    keys,
    INSTITUTIONS.map((institution) => institution.id),
  );
  await sharing.setUp();
  const sharingDone: Promise<void>[] = [];
  const stopAt = duration > 0 ? Date.now() + duration * 1000 : Number.POSITIVE_INFINITY;
  let stopping = false;
  const onSignal = () => {
    stopping = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = setInterval(() => void report(io, counts, sharing.counts), 5000);
  try {
    const bundles = bundlesForLoad(flags.seed ?? `demo-${Date.now()}`, Number.MAX_SAFE_INTEGER, resources);
    for (let index = 0; !stopping && Date.now() < stopAt; index += 1) {
      const institution = INSTITUTIONS[index % INSTITUTIONS.length].id;
      const bundle = bundles.next().value as Record<string, unknown>;
      // Every tenth request is broken on purpose: an unknown element makes it invalid FHIR.
      const body = index % 10 === 9 ? { ...bundle, demoBrokenElement: true } : bundle;
      counts.sent += 1;
      try {
        const response = await fetch(`${servicePorts.ingestion}/v1/fhir`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.get(institution)}`, 'content-type': 'application/fhir+json' },
          body: JSON.stringify(body),
        });
        if (response.status === 202) {
          counts.accepted += 1;
          // Every third accepted patient is shared with the next hospital (in the background).
          const nationalId = nationalIdOf(bundle);
          if (counts.accepted % 3 === 0 && nationalId !== undefined) sharingDone.push(sharing.share(index % INSTITUTIONS.length, nationalId));
        } else if (response.status >= 400 && response.status < 500) counts.rejected += 1;
        else counts.failed += 1;
        await response.arrayBuffer();
      } catch {
        counts.failed += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
    }
  } finally {
    clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  await Promise.all(sharingDone);
  await report(io, counts, sharing.counts);
  return counts.accepted > 0 ? 0 : 1;
}

function nationalIdOf(bundle: Record<string, unknown>): string | undefined {
  const entries = (bundle.entry ?? []) as Array<{ resource?: { resourceType?: string; identifier?: Array<{ system?: string; value?: string }> } }>;
  const patient = entries.find((entry) => entry.resource?.resourceType === 'Patient')?.resource;
  return patient?.identifier?.find((identifier) => identifier.system === NATIONAL_ID_SYSTEM)?.value;
}

async function report(io: CommandIo, counts: Record<string, number>, sharing: SharingCounts): Promise<void> {
  const head = await getJson<{ treeSize?: number; height?: number }>(`${servicePorts.ledger}/v1/blocks/head`);
  // Governance answers only authenticated callers: the demo reads the summary as the platform operator.
  const summary = await getJson<{ alerts?: { total?: number } }>(`${servicePorts.governance}/v1/summary`, process.env.OPERATOR_TOKEN ?? DEV_OPERATOR_TOKEN);
  io.out(
    `demo: bundles sent ${counts.sent}, accepted ${counts.accepted}, rejected ${counts.rejected}, failed ${counts.failed}` +
      ` | consents ${sharing.consents}, reads permitted ${sharing.permitted}, denied ${sharing.denied}, break-glass ${sharing.breakGlass}` +
      ` | ledger ${head?.treeSize ?? '?'} events in ${head?.height === undefined ? '?' : head.height + 1} blocks | alerts ${summary?.alerts?.total ?? '?'}`,
  );
}

async function getJson<T>(url: string, bearer?: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000), headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}
