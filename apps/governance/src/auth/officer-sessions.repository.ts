// Officer sessions and sign-ins in flight, in PostgreSQL so that any governance instance serves any browser.
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Officer, OfficerIdentity } from './officer';

export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
}

interface SessionRow {
  subject: string;
  name: string | null;
  role: Officer['role'];
  institution: string | null;
  csrf_token: string;
}

/** Sign-ins must finish within this. */
const LOGIN_TTL_MS = 10 * 60_000;

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
export const randomToken = (): string => randomBytes(32).toString('base64url');

export class OfficerSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Opens a session; returns the cookie value, of which only the hash is stored. */
  async open(officer: OfficerIdentity, ttlMs: number): Promise<string> {
    const token = randomToken();
    await this.dataSource.query(
      `INSERT INTO officer_sessions (token_hash, subject, name, role, institution, csrf_token, expires_at) VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond')`,
      [
        sha256(token),
        officer.subject,
        officer.name ?? null,
        officer.role,
        officer.role === 'privacy-officer' ? officer.institution : null,
        randomToken(),
        ttlMs,
      ],
    );
    return token;
  }

  async find(token: string): Promise<Officer | undefined> {
    const [row]: SessionRow[] = await this.dataSource.query(
      `SELECT subject, name, role, institution, csrf_token FROM officer_sessions WHERE token_hash = $1 AND expires_at > now()`,
      [sha256(token)],
    );
    if (row === undefined) return undefined;
    const common = { subject: row.subject, ...(row.name === null ? {} : { name: row.name }), via: { kind: 'session' as const, csrfToken: row.csrf_token } };
    if (row.role === 'privacy-officer' && row.institution !== null) return { role: 'privacy-officer', institution: row.institution, ...common };
    return row.role === 'platform-operator' ? { role: 'platform-operator', ...common } : undefined;
  }

  async close(token: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM officer_sessions WHERE token_hash = $1 OR expires_at < now()`, [sha256(token)]);
  }

  /** Remembers a sign-in started by the browser holding `browserToken`. */
  async startLogin(state: string, browserToken: string, login: PendingLogin): Promise<void> {
    await this.dataSource.query(`DELETE FROM officer_logins WHERE expires_at < now()`);
    await this.dataSource.query(
      `INSERT INTO officer_logins (state, browser_hash, code_verifier, nonce, expires_at) VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')`,
      [state, sha256(browserToken), login.codeVerifier, login.nonce, LOGIN_TTL_MS],
    );
  }

  /** Takes the sign-in once: only for the browser that started it, and only before it expires. */
  async finishLogin(state: string, browserToken: string): Promise<PendingLogin | undefined> {
    const [row]: { code_verifier: string; nonce: string }[] = await this.dataSource.query(
      // Through a CTE: TypeORM answers a bare DELETE with [rows, count], a SELECT with the rows.
      `WITH taken AS (DELETE FROM officer_logins WHERE state = $1 AND browser_hash = $2 AND expires_at > now() RETURNING code_verifier, nonce) SELECT * FROM taken`,
      [state, sha256(browserToken)],
    );
    return row === undefined ? undefined : { codeVerifier: row.code_verifier, nonce: row.nonce };
  }
}
