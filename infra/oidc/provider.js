#!/usr/bin/env node
// The local OpenID Connect provider for development and tests: a real OpenID Provider (`oidc-provider`, a
// certified library) with the demo officers of the demo institutions and one confidential client, the
// governance dashboard (authorization code + PKCE). The login page is the provider's own interaction; there
// is no consent screen (the dashboard is a first-party client). Never use it in production: the demo users'
// passwords are printed and published here.
//
// Environment: OIDC_PORT (3010), OIDC_ISSUER (http://127.0.0.1:<port>), OIDC_CLIENT_ID (medshare-governance),
// OIDC_CLIENT_SECRET (the public dev secret), OIDC_REDIRECT_URIS (comma-separated; default the dashboard's
// callback on 127.0.0.1:3005 and localhost:3005), OIDC_INSTITUTIONS (hosp-a,hosp-b,hosp-c,lab-d).
'use strict';
const http = require('node:http');
const { generateKeyPairSync, randomBytes, timingSafeEqual, createHash } = require('node:crypto');
const Provider = require('oidc-provider').default;

const DEV_CLIENT_SECRET = 'medshare-dev-governance-oidc-secret-not-secret';
const port = Number(process.env.OIDC_PORT ?? 3010);
const issuer = process.env.OIDC_ISSUER ?? `http://127.0.0.1:${port}`;
const institutions = (process.env.OIDC_INSTITUTIONS ?? 'hosp-a,hosp-b,hosp-c,lab-d')
  .split(',')
  .map((id) => id.trim())
  .filter(Boolean);
const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? 'http://127.0.0.1:3005/auth/callback,http://localhost:3005/auth/callback')
  .split(',')
  .map((uri) => uri.trim());

/** One privacy officer per institution and one platform operator; the password is `demo-<login>`. */
const users = new Map([
  ...institutions.map((institution) => [`officer-${institution}`, { name: `Privacy officer of ${institution}`, role: 'privacy-officer', institution }]),
  ['operator', { name: 'Platform operator', role: 'platform-operator', institution: undefined }],
]);
const passwordOf = (login) => `demo-${login}`;

const digest = (text) => createHash('sha256').update(String(text)).digest();
function passwordMatches(login, password) {
  return users.has(login) && timingSafeEqual(digest(password), digest(passwordOf(login)));
}

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID ?? 'medshare-governance',
      client_secret: process.env.OIDC_CLIENT_SECRET ?? DEV_CLIENT_SECRET,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: redirectUris.map((uri) => new URL('/auth/signed-out', uri).href),
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...signingKey, kid: 'medshare-dev-oidc', use: 'sig', alg: 'RS256' }] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'medshare'],
  claims: { openid: ['sub'], profile: ['name'], medshare: ['medshare_role', 'medshare_institution'] },
  // The dashboard reads its claims from the ID token; it never calls the userinfo endpoint.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    // The library's own sign-out pages load a web font from a CDN: these load nothing.
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          'Sign out of medshare',
          `${form}<p>Also sign out of the identity provider?</p><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button> <button type="submit" form="op.logoutForm">No, stay signed in</button>`,
        );
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
  },
  cookies: { keys: [randomBytes(32).toString('base64')] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const user = users.get(id);
    if (user === undefined) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: user.name, medshare_role: user.role, ...(user.institution ? { medshare_institution: user.institution } : {}) };
      },
    };
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`);
  },
});
// Behind nothing: the provider sees the client's own connection.
provider.proxy = false;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:26rem;color:#1d2330}label{display:block;margin-top:.8rem}input{font:inherit;width:100%;padding:.4rem;border:1px solid #6b7280;border-radius:4px}button{margin-top:1rem;font:inherit;padding:.5rem 1.2rem;background:#1f4e8c;color:#fff;border:0;border-radius:4px}button:focus,input:focus{outline:3px solid #f2b705}.error{color:#a4161a}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, error) {
  const demo = [...users.keys()].map((login) => `<li><code>${escapeHtml(login)}</code> / <code>${escapeHtml(passwordOf(login))}</code></li>`).join('');
  return page(
    'medshare sign-in (development)',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">User</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p>Demo users (development only):</p><ul>${demo}</ul>`,
  );
}

async function formBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 4096) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' });
  res.end(html);
}

/** The login and (silent) consent steps of an authorization request. */
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<p>This sign-in attempt has expired. Start again from the dashboard.</p>'));
  if (details.prompt.name === 'consent') {
    // First-party client: grant what it asked for, without a consent screen.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }
  if (action !== 'login') return send(res, 200, loginForm(uid));
  const form = await formBody(req);
  const login = form.get('username') ?? '';
  if (!passwordMatches(login, form.get('password') ?? '')) return send(res, 401, loginForm(uid, 'Unknown user or wrong password.'));
  return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/.exec(new URL(req.url ?? '/', issuer).pathname);
  const wanted = match && (req.method === 'GET' ? !match[2] : req.method === 'POST' && Boolean(match[2]));
  if (!match) return callback(req, res);
  if (!wanted) return send(res, 405, page('Sign-in error', '<p>Method not allowed.</p>'));
  interaction(req, res, match[1], match[2] ? 'login' : 'show').catch((error) => {
    send(
      res,
      400,
      page(
        'Sign-in error',
        `<p>${escapeHtml(error.name === 'SessionNotFound' ? 'This sign-in attempt has expired. Start again from the dashboard.' : 'The sign-in could not be completed.')}</p>`,
      ),
    );
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc: provider ${issuer} ready; demo users: ${[...users.keys()].map((login) => `${login} / ${passwordOf(login)}`).join(', ')}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
