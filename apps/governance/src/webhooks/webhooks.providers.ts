// The webhook-routing parts of the governance module.
import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher } from '@medshare/messaging';
import { DATA_SOURCE, LOGGER, type Logger } from '@medshare/service-kit';
import { DEV_CASE_NOTES_KEY } from '../cases/case-notes';
import type { GovernanceConfig } from '../config';
import { OutboxRepository } from '../outbox/outbox.repository';
import { dispatchSettingsOf, webhookPolicyOf } from './webhook-config';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookSecrets } from './webhook-secrets';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

export function webhooksProviders(config: GovernanceConfig): Provider[] {
  // Secrets are sealed under a key derived from the notes key (required in production), with a label of their own.
  const secrets = new WebhookSecrets(config.CASE_NOTES_KEY ?? DEV_CASE_NOTES_KEY);
  return [
    { provide: WebhooksRepository, inject: [DATA_SOURCE], useFactory: (dataSource: DataSource) => new WebhooksRepository(dataSource) },
    {
      provide: WebhooksService,
      inject: [WebhooksRepository],
      useFactory: (repository: WebhooksRepository) => new WebhooksService(repository, secrets, webhookPolicyOf(config)),
    },
    {
      provide: WebhookDispatcher,
      inject: [WebhooksRepository, OutboxRepository, EventPublisher, LOGGER],
      useFactory: (repository: WebhooksRepository, outbox: OutboxRepository, publisher: EventPublisher, log: Logger) =>
        new WebhookDispatcher(repository, secrets, outbox, publisher, dispatchSettingsOf(config), log),
    },
  ];
}
