// Every migration of the governance database, listed explicitly and in order.
import { Alerts1767225600000 } from './1767225600000-alerts';
import { PrivacyAndCases1780000000000 } from './1780000000000-privacy-and-cases';
import { OfficerSessions1780000100000 } from './1780000100000-officer-sessions';
import { DisclosureReports1780000200000 } from './1780000200000-disclosure-reports';
import { DataQuality1780000350000 } from './1780000350000-data-quality';
import { QualityFirstDay1780000360000 } from './1780000360000-quality-first-day';
import { DeadLetters1780000420000 } from './1780000420000-dead-letters';
import { SubmissionQuality1780000430000 } from './1780000430000-submission-quality';
import { CaseChanges1780000440000 } from './1780000440000-case-changes';
import { Webhooks1780000500000 } from './1780000500000-webhooks';

export const migrations = [
  Alerts1767225600000,
  PrivacyAndCases1780000000000,
  OfficerSessions1780000100000,
  DisclosureReports1780000200000,
  DataQuality1780000350000,
  QualityFirstDay1780000360000,
  DeadLetters1780000420000,
  SubmissionQuality1780000430000,
  CaseChanges1780000440000,
  Webhooks1780000500000,
];
