// Builds FHIR OperationOutcomes and issues, the one error shape every medshare edge returns.
import type { OperationOutcome, OperationOutcomeIssue } from './fhir-types';

/** Wraps issues in an OperationOutcome; an empty list becomes the single "all OK" issue R4 requires (issue is 1..*). */
export function operationOutcome(issues: readonly OperationOutcomeIssue[]): OperationOutcome {
  if (issues.length === 0) {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text: 'All OK' } }],
    };
  }
  return { resourceType: 'OperationOutcome', issue: [...issues] };
}

export function errorIssue(code: string, text: string, expression?: string): OperationOutcomeIssue {
  return expression === undefined ? { severity: 'error', code, details: { text } } : { severity: 'error', code, details: { text }, expression: [expression] };
}
