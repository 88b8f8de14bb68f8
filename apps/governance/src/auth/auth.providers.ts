// The officer-authentication parts of the governance module, wired from the validated configuration.
import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { BearerTokens, DATA_SOURCE, DEV_OPERATOR_TOKEN, PlatformKeys } from '@medshare/service-kit';
import type { GovernanceConfig } from '../config';
import { OfficerAuthenticator } from './officer-authenticator';
import { OfficerSessionsRepository } from './officer-sessions.repository';
import { OfficerGuard } from './officer.guard';
import { OidcLogin } from './oidc-login';

export function authProviders(config: GovernanceConfig, keys: PlatformKeys): Provider[] {
  return [
    { provide: OfficerSessionsRepository, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new OfficerSessionsRepository(dataSource) },
    { provide: OidcLogin, useValue: new OidcLogin(config, keys.institutions) },
    {
      provide: OfficerAuthenticator,
      inject: [OfficerSessionsRepository],
      useFactory: (sessions: OfficerSessionsRepository) =>
        new OfficerAuthenticator(
          new BearerTokens({ operator: config.OPERATOR_TOKEN ?? DEV_OPERATOR_TOKEN }),
          keys.institutionKeyring(),
          keys.pseudonymKey(),
          sessions,
        ),
    },
    OfficerGuard,
  ];
}
