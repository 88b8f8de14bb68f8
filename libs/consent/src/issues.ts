// Intake problems as FHIR OperationOutcome issues, from zod's issues and from the empty-element rule.
import type { z } from 'zod';

/** FHIR IssueType codes medshare's intake uses. */
export type IssueCode = 'structure' | 'required' | 'value' | 'code-invalid' | 'invariant' | 'invalid' | 'forbidden';

export interface Issue {
  readonly severity: 'error';
  readonly code: IssueCode;
  readonly diagnostics: string;
  /** FHIRPath-ish locations, e.g. `Consent.provision.provision[1].actor[0]`. */
  readonly expression: readonly string[];
}

export type Path = readonly PropertyKey[];

export function issue(code: IssueCode, root: string, path: Path, diagnostics: string): Issue {
  return { severity: 'error', code, diagnostics, expression: [expressionOf(root, path)] };
}

export function expressionOf(root: string, path: Path): string {
  let out = root;
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : `.${String(step)}`;
  return out;
}

/** FHIR R4 (and STU3) element names medshare refuses on purpose: naming them in an answer echoes nothing of the caller's. */
const REFUSED_FHIR_ELEMENTS: ReadonlySet<string> = new Set([
  'text',
  'contained',
  'extension',
  'modifierExtension',
  'implicitRules',
  'language',
  'identifier',
  'sourceAttachment',
  'sourceReference',
  'period',
  'except',
  'display',
  'userSelected',
  'version',
  'assigner',
  'use',
  'profile',
  'tag',
  'source',
]);

/** Parameters a refinement attaches so its zod issue maps to the right FHIR code. */
export interface IssueParams {
  readonly fhirCode: IssueCode;
}

export function fhirParams(fhirCode: IssueCode): { params: IssueParams } {
  return { params: { fhirCode } };
}

/** Maps zod issues (parsed with reportInput) to FHIR issues. */
export function fromZodIssues(root: string, issues: readonly z.core.$ZodIssue[]): Issue[] {
  const out: Issue[] = [];
  for (const zi of issues) {
    if (zi.code === 'unrecognized_keys') {
      // Element names a client invents are not echoed (they can carry patient data like any other value); FHIR's own are.
      for (const key of zi.keys) {
        const path = REFUSED_FHIR_ELEMENTS.has(key) ? [...zi.path, key] : zi.path;
        out.push(issue('structure', root, path, 'an element medshare does not accept (ignoring it could change the meaning)'));
      }
    } else if (zi.code === 'invalid_type' && zi.input === undefined) {
      out.push(issue('required', root, zi.path, `missing required element (expected ${zi.expected})`));
    } else if (zi.code === 'invalid_type') {
      out.push(issue('structure', root, zi.path, `wrong type: expected ${zi.expected}`));
    } else if (zi.code === 'invalid_value') {
      out.push(issue('code-invalid', root, zi.path, `unknown code: expected one of ${zi.values.map(String).join(', ')} (codes are case-sensitive)`));
    } else if (zi.code === 'custom') {
      const code = (zi.params as IssueParams | undefined)?.fhirCode ?? 'invalid';
      out.push(issue(code, root, zi.path, zi.message));
    } else {
      out.push(issue('value', root, zi.path, zi.message));
    }
  }
  return out;
}

/**
 * FHIR forbids empty strings, arrays and objects and nulls (ele-1); a lenient reader would drop them
 * silently, so each is an issue of its own. Only elements named in `known` are walked: an unknown one is the
 * schema's to report, and its name never appears in a path.
 */
export function emptyElementIssues(root: string, value: unknown, known: ReadonlySet<string>, path: PropertyKey[] = []): Issue[] {
  if (value === null) return [issue('value', root, path, 'null is not a FHIR value: leave the element out')];
  if (typeof value === 'string') {
    return value.trim() === '' ? [issue('value', root, path, 'empty or blank string')] : [];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [issue('value', root, path, 'empty array: leave the element out')];
    return value.flatMap((item, index) => emptyElementIssues(root, item, known, [...path, index]));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [issue('value', root, path, 'empty object: leave the element out')];
    return entries.flatMap(([key, item]) => (known.has(key) ? emptyElementIssues(root, item, known, [...path, key]) : []));
  }
  return [];
}

/** Deeper than any input medshare accepts; checked without recursion before anything walks the input recursively. */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests objects and arrays deeper than `limit` (an explicit stack: no recursion to overflow). */
export function nestsDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The issue a too-deep input gets instead of any other check. */
export function tooDeepIssues(root: string, json: unknown): Issue[] {
  return nestsDeeperThan(json) ? [issue('structure', root, [], `nested deeper than ${MAX_JSON_DEPTH} levels`)] : [];
}

/** Issues of both passes, without a second report for a location the empty-element pass already named. */
export function mergeIssues(emptyIssues: readonly Issue[], schemaIssues: readonly Issue[]): Issue[] {
  const named = new Set(emptyIssues.map((i) => i.expression[0]));
  return [...emptyIssues, ...schemaIssues.filter((i) => !named.has(i.expression[0]))];
}
