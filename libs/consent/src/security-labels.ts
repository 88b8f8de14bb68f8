// Security labels: confidentiality as a high-water mark, sensitivity by hierarchy, the rest exactly.
import type { RecordLabel, SecurityLabel } from './consent-rule';
import { SYSTEM, confidentialityRank, isSensitivityCode, sensitivityCovers } from './terminology';

/** A record without a confidentiality label is treated as normal (N). */
const DEFAULT_CONFIDENTIALITY: SecurityLabel = { system: SYSTEM.confidentiality, code: 'N' };
const RESTRICTED_RANK = confidentialityRank('R');

/** True when a provision naming `named` covers a record carrying `carried`. */
export function labelCovers(named: SecurityLabel, carried: RecordLabel): boolean {
  if (named.system !== carried.system) return false;
  if (named.system === SYSTEM.confidentiality) {
    const carriedRank = confidentialityRank(carried.code);
    return carriedRank >= 0 && confidentialityRank(named.code) >= carriedRank;
  }
  if (named.system === SYSTEM.actCode && isSensitivityCode(named.code)) return sensitivityCovers(named.code, carried.code);
  return named.code === carried.code;
}

/** The provision's securityLabel criterion: any label it names covers any label the record carries. */
export function matchesLabelCriterion(named: readonly SecurityLabel[], carried: readonly RecordLabel[]): boolean {
  const effective: readonly RecordLabel[] = carried.some((l) => l.system === SYSTEM.confidentiality) ? carried : [...carried, DEFAULT_CONFIDENTIALITY];
  return named.some((n) => effective.some((c) => labelCovers(n, c)));
}

/** Labels that withhold a record unless a provision on the permitting path names them. */
export function labelsNeedingRelease(carried: readonly RecordLabel[]): RecordLabel[] {
  return carried.filter((label) => {
    // U, L, M and N need nothing; R, V, every sensitivity code and every unknown label need naming.
    const rank = label.system === SYSTEM.confidentiality ? confidentialityRank(label.code) : -1;
    return !(rank >= 0 && rank < RESTRICTED_RANK);
  });
}

/** True when every label needing release is covered by a label named on the path. */
export function releasedBy(needingRelease: readonly RecordLabel[], namedOnPath: readonly SecurityLabel[]): boolean {
  return needingRelease.every((carried) => namedOnPath.some((named) => labelCovers(named, carried)));
}

/** Label systems whose codes are HL7 vocabulary medshare interprets; any other system's labels are a client's opaque text. */
export function isVocabularyLabelSystem(system: string): boolean {
  return system === SYSTEM.confidentiality || system === SYSTEM.actCode;
}
