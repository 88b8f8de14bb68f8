// Every migration of the governance database, listed explicitly and in order.
import { Alerts1767225600000 } from './1767225600000-alerts';
import { PrivacyAndCases1780000000000 } from './1780000000000-privacy-and-cases';
import { OfficerSessions1780000100000 } from './1780000100000-officer-sessions';
import { DisclosureReports1780000200000 } from './1780000200000-disclosure-reports';
import { DataQuality1780000350000 } from './1780000350000-data-quality';
import { QualityFirstDay1780000360000 } from './1780000360000-quality-first-day';
import { Webhooks1780000500000 } from './1780000500000-webhooks';

export const migrations = [
  Alerts1767225600000,
  PrivacyAndCases1780000000000,
  OfficerSessions1780000100000,
  DisclosureReports1780000200000,
  DataQuality1780000350000,
  QualityFirstDay1780000360000,
  Webhooks1780000500000,
];
