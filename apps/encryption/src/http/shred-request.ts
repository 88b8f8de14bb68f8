// What a shred request must look like: a patient pseudonym and a ticket-like reason (it travels on an audited
// topic, so free text that could carry patient data is refused).
import { z } from 'zod';
import { OperatorError, OperatorErrorCode } from './operator-error';

const pseudonym = z.string().regex(/^p-[a-z2-7]{16,64}$/);
/** A ticket or legal reference, not free text: it travels on an audited topic and must not carry patient data. */
const shredBody = z.strictObject({ reason: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,199}$/) });

/** Throws OperatorError InvalidRequest when the patient or the body is not what a shred takes. */
export function parseShredRequest(patient: string, body: unknown): { patient: string; reason: string } {
  if (!pseudonym.safeParse(patient).success) throw new OperatorError(OperatorErrorCode.InvalidRequest, 'patient must be a pseudonym p-<base32>');
  const parsed = shredBody.safeParse(body);
  if (!parsed.success) throw new OperatorError(OperatorErrorCode.InvalidRequest, 'body must be {"reason": "<ticket or legal reference>"}');
  return { patient, reason: parsed.data.reason };
}
