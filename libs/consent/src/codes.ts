// Zod schemas for coded FHIR values whose systems and codes medshare checks, case-sensitively.
import { z } from 'zod';
import { fhirParams } from './issues';
import { CONFIDENTIALITY_ORDER, SYSTEM, isSensitivityCode } from './terminology';

/** Per system, the codes accepted (a predicate keeps big hierarchies in one place). */
export type CodeTable = Readonly<Record<string, (code: string) => boolean>>;

export function oneOf(codes: readonly string[]): (code: string) => boolean {
  const set = new Set(codes);
  return (code) => set.has(code);
}

const baseCoding = z.strictObject({ system: z.string(), code: z.string(), display: z.string().optional() });
export type CodingJson = z.infer<typeof baseCoding>;

/** A Coding with system and code, any values: clinical codes are matched exactly, never interpreted. */
export const anyCoding = baseCoding;

/** A Coding whose system must be one of `table`'s and whose code that system must know. */
export function codingFrom(table: CodeTable, opaqueSystemsAllowed = false) {
  return baseCoding.superRefine((coding, ctx) => {
    const accepts = table[coding.system];
    if (accepts) {
      if (!accepts(coding.code)) {
        ctx.addIssue({ code: 'custom', path: ['code'], message: unknownCodeMessage(coding), ...fhirParams('code-invalid') });
      }
      return;
    }
    const nearMiss = knownSystemLike(coding.system);
    if (nearMiss || !opaqueSystemsAllowed) {
      const expected = nearMiss ? `did you mean '${nearMiss}'?` : `expected ${Object.keys(table).join(' or ')}`;
      ctx.addIssue({ code: 'custom', path: ['system'], message: `system not accepted here: ${expected}`, ...fhirParams('code-invalid') });
    } else if (!/^(https?:\/\/|urn:)/.test(coding.system)) {
      ctx.addIssue({ code: 'custom', path: ['system'], message: 'system is not an absolute URI', ...fhirParams('value') });
    }
  });
}

/** A CodeableConcept of codings only: free text could carry patient data and is not interpreted. */
export function codeableConceptFrom(table: CodeTable, exactlyOneCoding: boolean) {
  const concept = z.strictObject({ coding: z.array(codingFrom(table)) });
  if (!exactlyOneCoding) return concept;
  return concept.superRefine((cc, ctx) => {
    if (cc.coding.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['coding'],
        message: 'exactly one coding expected: several would leave the meaning ambiguous',
        ...fhirParams('invariant'),
      });
    }
  });
}

/** Security labels: known systems are checked; other absolute-URI systems are opaque labels matched exactly. */
export const securityLabelCoding = codingFrom(
  {
    [SYSTEM.confidentiality]: oneOf(CONFIDENTIALITY_ORDER),
    [SYSTEM.actCode]: isSensitivityCode,
  },
  true,
);

function unknownCodeMessage(coding: CodingJson): string {
  return `unknown code in ${coding.system} (codes are case-sensitive)`;
}

const KNOWN_SYSTEMS: readonly string[] = Object.values(SYSTEM);

/** A known system spelled with other case, or in its pre-R4 `http://hl7.org/fhir/v3/<Name>` form. */
function knownSystemLike(system: string): string | undefined {
  const lower = system.toLowerCase();
  return KNOWN_SYSTEMS.find((known) => {
    const v3Name = /\/v3-([^/]+)$/.exec(known)?.[1];
    return (known.toLowerCase() === lower && known !== system) || (v3Name !== undefined && lower === `http://hl7.org/fhir/v3/${v3Name.toLowerCase()}`);
  });
}
