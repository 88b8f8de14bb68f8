// `medshare keys ...`: key lifecycle through the encryption service's operator API (ENCRYPTION_URL, OPERATOR_TOKEN).
import { institutionKeyOwner } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { parseFlags, type CommandIo } from '../io';

const usage = [
  'usage: medshare keys status',
  '       medshare keys rotate-kek          rewrap every DEK under a new KEK, retire the old ones',
  '       medshare keys rotate-sealing      new HPKE sealing key pair; ingestion picks it up from the keys topic',
  "       medshare keys shred PSEUDONYM --reason TICKET   destroy a patient's DEK (crypto-shredding)",
  "       medshare keys shred-institution INSTITUTION --reason TICKET   destroy the key of an institution's reference resources",
  'environment: ENCRYPTION_URL (default http://127.0.0.1:3002), OPERATOR_TOKEN (dev default when unset)',
].join('\n');

// Same public dev default as the services; production services refuse to start without OPERATOR_TOKEN.
export const DEV_OPERATOR_TOKEN = 'medshare-dev-operator-token-not-secret';

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: object;
}

function callOf(args: string[]): Call | undefined {
  const [action, ...rest] = args;
  switch (action) {
    case 'status':
      return rest.length === 0 ? { method: 'GET', path: '/v1/keys' } : undefined;
    case 'rotate-kek':
      return rest.length === 0 ? { method: 'POST', path: '/v1/keys/kek/rotate' } : undefined;
    case 'rotate-sealing':
      return rest.length === 0 ? { method: 'POST', path: '/v1/keys/sealing/rotate' } : undefined;
    case 'shred': {
      const { flags, positionals, error } = parseFlags(rest, ['reason'], { positionals: true });
      const [patient] = positionals;
      if (error !== undefined || positionals.length !== 1 || flags.reason === undefined || !/^p-[a-z2-7]{16,64}$/.test(patient)) return undefined;
      return { method: 'POST', path: `/v1/patients/${patient}/shred`, body: { reason: flags.reason } };
    }
    case 'shred-institution': {
      // The key owner is a keyed pseudonym of the institution: computed here with the services' PSEUDONYM_SECRET.
      const { flags, positionals, error } = parseFlags(rest, ['reason'], { positionals: true });
      const [institution] = positionals;
      if (error !== undefined || positionals.length !== 1 || flags.reason === undefined || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(institution)) return undefined;
      const owner = institutionKeyOwner(new PlatformKeys(platformKeysSchema.parse(process.env)).pseudonymKey(), institution);
      return { method: 'POST', path: `/v1/patients/${owner}/shred`, body: { reason: flags.reason } };
    }
    default:
      return undefined;
  }
}

export async function keysCommand(args: string[], io: CommandIo): Promise<number> {
  const call = callOf(args);
  if (call === undefined) {
    io.err(usage);
    return 2;
  }
  const baseUrl = process.env.ENCRYPTION_URL ?? 'http://127.0.0.1:3002';
  const response = await fetch(`${baseUrl}${call.path}`, {
    method: call.method,
    headers: { authorization: `Bearer ${process.env.OPERATOR_TOKEN ?? DEV_OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  if (!response.ok) {
    io.err(`encryption service answered ${response.status}: ${text}`);
    return 1;
  }
  io.out(JSON.stringify(JSON.parse(text), null, 2));
  return 0;
}
