// Sign-in and sign-out of the dashboard: the browser is sent to the OpenID Provider and comes back with a code,
// which this service redeems (PKCE) for an ID token; the session is then an HttpOnly, SameSite=Strict cookie.
import { Controller, Get, Header, HttpCode, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';
import { pageSecurityHeaders } from '../http/page-security';
import type { AuthConfig } from './auth-config';
import type { Officer } from './officer';
import { cookieOf, SESSION_COOKIE } from './officer-authenticator';
import { OfficerSessionsRepository, randomToken } from './officer-sessions.repository';
import { CurrentOfficer, OfficerGuard } from './officer.guard';
import { OidcLogin } from './oidc-login';

/** Binds a sign-in to the browser that started it (login CSRF). Lax: it must come back on the provider's redirect. */
const LOGIN_COOKIE = 'medshare_gov_login';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly login: OidcLogin,
    private readonly sessions: OfficerSessionsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: AuthConfig,
  ) {}

  @Get('login')
  async startLogin(@Res() response: Response): Promise<void> {
    const started = await this.login.start();
    const browser = randomToken();
    await this.sessions.startLogin(started.state, browser, started);
    response
      .status(302)
      .set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' })
      .setHeader('Set-Cookie', this.cookie(LOGIN_COOKIE, browser, { sameSite: 'Lax', path: '/auth', maxAgeSeconds: 600 }))
      .location(started.url.href)
      .end();
  }

  @Get('callback')
  async callback(@Req() request: Request, @Res() response: Response, @Query('state') state: unknown): Promise<void> {
    const browser = cookieOf(request, LOGIN_COOKIE);
    const pending = typeof state === 'string' && browser !== undefined ? await this.sessions.finishLogin(state, browser) : undefined;
    if (pending === undefined)
      throw new GovernanceError(
        GovernanceErrorCode.LoginFailed,
        'no sign-in of this browser is waiting for this answer (expired, used, or started elsewhere): sign in again',
      );
    const officer = await this.login.finish(new URL(request.originalUrl, this.config.PUBLIC_URL), { state: state as string, ...pending });
    const session = await this.sessions.open(officer, this.config.SESSION_TTL_MS);
    // Served, not redirected: after the provider's cross-site redirect a SameSite=Strict cookie is only sent
    // on the next navigation that starts here.
    response
      .status(200)
      .set(pageSecurityHeaders())
      .setHeader('Set-Cookie', [
        this.cookie(SESSION_COOKIE, session, { sameSite: 'Strict', path: '/', maxAgeSeconds: Math.floor(this.config.SESSION_TTL_MS / 1000) }),
        this.cookie(LOGIN_COOKIE, '', { sameSite: 'Lax', path: '/auth', maxAgeSeconds: 0 }),
      ])
      .send(signedInPage());
  }

  @Get('me')
  @UseGuards(OfficerGuard)
  @Header('Cache-Control', 'no-store')
  me(@CurrentOfficer() officer: Officer): {
    subject: string;
    name: string | null;
    role: Officer['role'];
    institution: string | null;
    csrfToken: string | null;
  } {
    return {
      subject: officer.subject,
      name: officer.name ?? null,
      role: officer.role,
      institution: officer.role === 'privacy-officer' ? officer.institution : null,
      csrfToken: officer.via.kind === 'session' ? officer.via.csrfToken : null,
    };
  }

  /** Ends the session here and sends the browser to the provider to end its own. */
  @Post('logout')
  @UseGuards(OfficerGuard)
  @HttpCode(200)
  async logout(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = cookieOf(request, SESSION_COOKIE);
    if (session !== undefined) await this.sessions.close(session);
    const next = (await this.login.endSessionUrl())?.href ?? '/auth/signed-out';
    response
      .status(200)
      .set('Cache-Control', 'no-store')
      .setHeader('Set-Cookie', this.cookie(SESSION_COOKIE, '', { sameSite: 'Strict', path: '/', maxAgeSeconds: 0 }))
      .json({ next });
  }

  @Get('signed-out')
  signedOut(@Res() response: Response): void {
    response.status(200).set(pageSecurityHeaders()).send(simplePage('Signed out', '<p>You are signed out. <a href="/auth/login">Sign in again</a></p>'));
  }

  private cookie(name: string, value: string, options: { sameSite: 'Strict' | 'Lax'; path: string; maxAgeSeconds: number }): string {
    const secure = this.config.PUBLIC_URL.startsWith('https://') ? '; Secure' : '';
    return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAgeSeconds}; HttpOnly; SameSite=${options.sameSite}${secure}`;
  }
}

function simplePage(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${head}<title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function signedInPage(): string {
  return simplePage('Signed in', '<p><a href="/">Continue to the dashboard</a></p>', '<meta http-equiv="refresh" content="0;url=/">');
}
