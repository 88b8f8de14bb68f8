// The one exception of webhook routing, with what each code means on the wire (never the caller's values).
import { CodedError, type ErrorTable } from '@medshare/service-kit';

export enum WebhookErrorCode {
  /** No such subscription in the officer's institution (another institution's is not told apart from none). */
  NotFound = 'not-found',
  /** The receiver URL is not one governance may call (scheme, credentials, host not on the allow-list). */
  UrlRefused = 'url-refused',
}

const WEBHOOK_ERRORS: ErrorTable<WebhookErrorCode> = {
  [WebhookErrorCode.NotFound]: { status: 404, issueType: 'not-found' },
  [WebhookErrorCode.UrlRefused]: { status: 400, issueType: 'invalid' },
};

export class WebhookError extends CodedError<WebhookErrorCode> {
  constructor(code: WebhookErrorCode, text: string) {
    super(WEBHOOK_ERRORS, code, text);
  }
}
