// What a shred request must look like: a patient pseudonym and a ticket-like reason (it travels on an audited
// topic, so free text that could carry patient data is refused).
import { patientPseudonym, shredRequest } from '@medshare/contracts';
import { OperatorError, OperatorErrorCode } from './operator-error';

/** Throws OperatorError InvalidRequest when the patient or the body is not what a shred takes. */
export function parseShredRequest(patient: string, body: unknown): { patient: string; reason: string } {
  if (!patientPseudonym.safeParse(patient).success) throw new OperatorError(OperatorErrorCode.InvalidRequest, 'patient must be a pseudonym p-<base32>');
  const parsed = shredRequest.safeParse(body);
  if (!parsed.success) throw new OperatorError(OperatorErrorCode.InvalidRequest, 'body must be {"reason": "<ticket or legal reference>"}');
  return { patient, reason: parsed.data.reason };
}
