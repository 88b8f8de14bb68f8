// Webhook secrets are stored sealed: AES-256-GCM under a key derived from governance's notes key with a label of
// its own, the subscription bound as AAD (a sealed secret copied to another subscription does not open). A copy of
// the table signs nothing; the secret is shown to the officer once, when it is made.
import { hkdfSync } from 'node:crypto';
import { canonicalBytes } from '@medshare/contracts';
import { gcmDecrypt, gcmEncrypt } from '@medshare/crypto';

export interface SealedSecret {
  iv: string;
  ciphertext: string;
  tag: string;
}

export class WebhookSecrets {
  private readonly key: Buffer;

  constructor(masterKey: Uint8Array) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('medshare.webhook-secrets'), Buffer.from('v1'), 32));
  }

  seal(subscriptionId: string, secret: string): SealedSecret {
    const { iv, ciphertext, tag } = gcmEncrypt(this.key, Buffer.from(secret, 'utf8'), aadOf(subscriptionId));
    return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: tag.toString('base64') };
  }

  open(subscriptionId: string, sealed: SealedSecret): string {
    const parts = { iv: Buffer.from(sealed.iv, 'base64'), ciphertext: Buffer.from(sealed.ciphertext, 'base64'), tag: Buffer.from(sealed.tag, 'base64') };
    const secret = gcmDecrypt(this.key, parts, aadOf(subscriptionId));
    if (secret === undefined) throw new Error('a webhook secret does not open under this key');
    return secret.toString('utf8');
  }
}

function aadOf(subscriptionId: string): Buffer {
  return canonicalBytes(['medshare.webhook-secret.v1', subscriptionId]);
}
