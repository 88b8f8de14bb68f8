// The dashboard as an OpenID Connect client (openid-client): authorization code flow with PKCE (S256), state and
// nonce. The provider's metadata is discovered on first use, so governance starts while the provider is down.
import * as oidc from 'openid-client';
import { GovernanceError, GovernanceErrorCode } from '../http/governance-error';
import { oidcClientSecretOf, type AuthConfig } from './auth-config';
import { OFFICER_ROLES, OFFICER_SUBJECT, type OfficerIdentity } from './officer';

export const OIDC_SCOPE = 'openid profile medshare';
export const CALLBACK_PATH = '/auth/callback';

export interface LoginStart {
  url: URL;
  state: string;
  codeVerifier: string;
  nonce: string;
}

export class OidcLogin {
  private discovered?: Promise<oidc.Configuration>;

  constructor(
    private readonly config: AuthConfig,
    /** The institutions an officer may belong to. */
    private readonly institutions: readonly string[],
  ) {}

  get redirectUri(): string {
    return new URL(CALLBACK_PATH, this.config.PUBLIC_URL).href;
  }

  async start(): Promise<LoginStart> {
    const configuration = await this.configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: OIDC_SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, codeVerifier, nonce };
  }

  /** Redeems the code of the callback URL; the officer its ID token names, or a 400/403. */
  async finish(callbackUrl: URL, expected: { state: string; codeVerifier: string; nonce: string }): Promise<OfficerIdentity> {
    const configuration = await this.configuration();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      // The library's messages may quote what the provider or the browser sent: only its code is kept.
      const code = error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError ? error.error : 'invalid-response';
      throw new GovernanceError(
        GovernanceErrorCode.LoginFailed,
        `the identity provider did not complete the sign-in (${/^[a-z_-]{1,64}$/.test(code) ? code : 'error'})`,
      );
    }
    if (claims === undefined) throw new GovernanceError(GovernanceErrorCode.LoginFailed, 'the identity provider returned no ID token');
    return this.officerOf(claims);
  }

  async endSessionUrl(): Promise<URL | undefined> {
    try {
      return oidc.buildEndSessionUrl(await this.configuration(), {
        post_logout_redirect_uri: new URL('/auth/signed-out', this.config.PUBLIC_URL).href,
        client_id: this.config.OIDC_CLIENT_ID,
      });
    } catch {
      return undefined;
    }
  }

  private officerOf(claims: oidc.IDToken): OfficerIdentity {
    const { sub, name, medshare_role: role, medshare_institution: institution } = claims;
    if (!OFFICER_SUBJECT.test(sub))
      throw new GovernanceError(GovernanceErrorCode.Forbidden, 'the account id is not one governance can record (letters, digits and ._@:- only)');
    const named = typeof name === 'string' && name.length > 0 && name.length <= 200 ? { name } : {};
    if (role === 'platform-operator') return { role, subject: sub, ...named };
    if (role === 'privacy-officer' && typeof institution === 'string' && this.institutions.includes(institution))
      return { role, institution, subject: sub, ...named };
    throw new GovernanceError(GovernanceErrorCode.Forbidden, `the account has no governance role (${OFFICER_ROLES.join(' or ')} of a known institution)`);
  }

  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= oidc
      .discovery(new URL(this.config.OIDC_ISSUER), this.config.OIDC_CLIENT_ID, oidcClientSecretOf(this.config), undefined, {
        // http only outside production (the schema refuses an http issuer there): the local provider.
        ...(this.config.OIDC_ISSUER.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((error: unknown) => {
        this.discovered = undefined;
        throw new GovernanceError(
          GovernanceErrorCode.IdentityProviderUnavailable,
          `the identity provider does not answer (${error instanceof Error ? error.name : 'error'})`,
        );
      });
    return this.discovered;
  }
}
