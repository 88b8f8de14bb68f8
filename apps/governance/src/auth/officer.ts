// Who is calling governance and what they may see: a privacy officer of one institution or the platform operator.

export const OFFICER_ROLES = ['privacy-officer', 'platform-operator'] as const;
export type OfficerRole = (typeof OFFICER_ROLES)[number];

/** Who signed in, as the provider or the token says. */
export type OfficerIdentity =
  { role: 'privacy-officer'; institution: string; subject: string; name?: string } | { role: 'platform-operator'; subject: string; name?: string };

export type Officer = OfficerIdentity & { via: Via };

/** A browser session (cookie, so state changes need its CSRF token) or a bearer token (no ambient authority). */
export type Via = { kind: 'session'; csrfToken: string } | { kind: 'bearer' };

/** What a query may return: one institution's view, or the operator's view of everything. */
export type Scope = { operator: true } | { institution: string };

export function scopeOf(officer: Officer): Scope {
  return officer.role === 'platform-operator' ? { operator: true } : { institution: officer.institution };
}

/** Login ids officers act under in case events and logs (those of the local provider match; an IdP's opaque ids too). */
export const OFFICER_SUBJECT = /^[A-Za-z0-9._@:-]{1,128}$/;
