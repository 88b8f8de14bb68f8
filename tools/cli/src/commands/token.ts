// `medshare token`: a DEV institution token (signed with the dev keyring) for local calls with curl.
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { parseFlags, type CommandIo } from '../io';

const usage =
  'usage: medshare token --institution ID [--practitioner ID] [--role physician|nurse|admin|billing|researcher|public-health-officer] [--ttl SECONDS]';

export async function tokenCommand(args: string[], io: CommandIo): Promise<number> {
  const { flags, error } = parseFlags(args, ['institution', 'practitioner', 'role', 'ttl']);
  const ttl = Number(flags.ttl ?? 3600);
  if (error !== undefined || flags.institution === undefined || !Number.isInteger(ttl) || ttl <= 0) {
    io.err(error ?? usage);
    if (error !== undefined) io.err(usage);
    return 2;
  }
  const keys = new PlatformKeys(platformKeysSchema.parse(process.env));
  if (!keys.institutions.includes(flags.institution)) {
    io.err(`unknown institution ${flags.institution}; known: ${keys.institutions.join(', ')}`);
    return 2;
  }
  const token = issueInstitutionToken(keys.institutionPrivateKey(flags.institution), {
    institution: flags.institution,
    ...(flags.practitioner === undefined ? {} : { practitioner: flags.practitioner }),
    ...(flags.role === undefined ? {} : { role: flags.role }),
    ttlSeconds: ttl,
  });
  io.out(token);
  return 0;
}
