// Bearer tokens of the roles behind the APIs that are not institutions' (operators' actions, auditors'
// reads): one token per role from the environment, compared in constant time. Development falls back to
// public defaults; each service's schema requires real tokens in production.
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const DEV_OPERATOR_TOKEN = 'medshare-dev-operator-token-not-secret';
export const DEV_AUDITOR_TOKEN = 'medshare-dev-auditor-token-not-secret';

/** A role token variable: optional in the schema, required in production by the service. */
export const roleTokenSchema = z.string().min(24, 'must be at least 24 characters').optional();

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export class BearerTokens<Role extends string> {
  private readonly digests: readonly (readonly [Role, Buffer])[];

  constructor(tokens: Record<Role, string>) {
    this.digests = (Object.entries(tokens) as [Role, string][]).map(([role, token]) => [role, digest(token)] as const);
  }

  /** The role whose token an `Authorization: Bearer …` header carries; undefined for none or another. */
  roleOf(authorization: string | undefined): Role | undefined {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return undefined;
    const presented = digest(token);
    // Every role is compared, so the time taken does not say which one matched.
    let role: Role | undefined;
    for (const [candidate, expected] of this.digests) if (timingSafeEqual(presented, expected) && role === undefined) role = candidate;
    return role;
  }
}
