// Every service's HTTP contract, for `npx medshare contracts` and the tests that hold them true.
import { accessControlApi } from './access-control';
import { encryptionApi } from './encryption';
import { governanceApi } from './governance';
import { ingestionApi } from './ingestion';
import { ledgerApi } from './ledger';
import type { HttpApi } from './openapi';

export const httpApis: readonly HttpApi[] = [ingestionApi, encryptionApi, accessControlApi, ledgerApi, governanceApi];

export * from './openapi';
export { accessControlApi, decisionQuestion } from './access-control';
export { encryptionApi, shredRequest } from './encryption';
export {
  alertQuery,
  caseAssigneeBody,
  caseNoteBody,
  caseParams,
  caseQuery,
  caseStateBody,
  governanceApi,
  MAX_ALERTS_PER_PAGE,
  MAX_CASES_PER_PAGE,
  MAX_NOTE_CHARS,
  qualityQuery,
  officerSubject,
  REPORT_FORMATS,
  reportQuery,
  SINCE_RANGE,
  WEBHOOK_DELIVERY_STATES,
  webhookDeliveryParams,
  webhookDeliveryQuery,
  webhookParams,
  webhookSubscriptionBody,
} from './governance';
export { idempotencyKey, ingestionApi } from './ingestion';
export { ledgerApi } from './ledger';
