// Ed25519 key pairs for compact JWS (permits, institution tokens), and the dev-only keyring that derives them from a seed.
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CryptoError, CryptoErrorCode } from './crypto-error';

export interface SigningKeyPair {
  /** Ed25519 private key; export with `privateKey.export({ format: 'pem', type: 'pkcs8' })`. */
  privateKey: KeyObject;
  /** Ed25519 public key; export with `publicKey.export({ format: 'pem', type: 'spki' })`. */
  publicKey: KeyObject;
}

/** Public keys by institution id, as the verifier of institution tokens needs them. */
export interface InstitutionKeyring {
  publicKeyOf(institution: string): KeyObject | undefined;
}

// RFC 8410 PKCS#8 envelope of a raw 32-byte Ed25519 seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function generateSigningKeyPair(): SigningKeyPair {
  return generateKeyPairSync('ed25519');
}

/** A keyring over configured public keys (for instance SPKI PEMs from the environment, imported with createPublicKey). */
export function staticInstitutionKeyring(publicKeys: ReadonlyMap<string, KeyObject>): InstitutionKeyring {
  return { publicKeyOf: (institution) => publicKeys.get(institution) };
}

/**
 * DEV ONLY: derives an Ed25519 key pair per name (institution, or a service such as the access-control permit
 * signer) from one seed, so local runs and tests agree on keys without distributing any. Anyone who knows the
 * seed can sign as every institution: never use it where the seed is not public anyway.
 */
export class DevKeyring implements InstitutionKeyring {
  private readonly pairs = new Map<string, SigningKeyPair>();

  constructor(seed: string, names: readonly string[]) {
    if (seed.length === 0) throw new CryptoError(CryptoErrorCode.InvalidInput, 'dev keyring seed must not be empty');
    for (const name of names) {
      const ed25519Seed = createHmac('sha256', seed)
        .update(canonicalize(['medshare.dev-signing-key.v1', name]) ?? '')
        .digest();
      const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, ed25519Seed]), format: 'der', type: 'pkcs8' });
      this.pairs.set(name, { privateKey, publicKey: createPublicKey(privateKey) });
    }
  }

  /** Unknown names are a programming error in dev wiring, so they throw rather than return undefined. */
  privateKeyOf(name: string): KeyObject {
    const pair = this.pairs.get(name);
    if (pair === undefined) throw new CryptoError(CryptoErrorCode.InvalidInput, `dev keyring has no key for ${name}`);
    return pair.privateKey;
  }

  publicKeyOf(name: string): KeyObject | undefined {
    return this.pairs.get(name)?.publicKey;
  }
}
