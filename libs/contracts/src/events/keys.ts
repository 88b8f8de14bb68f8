// Key lifecycle events of the encryption service: public facts only, never key material in the clear.
import { z } from 'zod';
import { base64, patientPseudonym } from './common';

export const keysKekRotatedV1 = z.strictObject({
  kekVersion: z.number().int().min(1),
  rewrappedDeks: z.number().int().min(0),
  retiredVersions: z.array(z.number().int().min(1)),
});

/** A new HPKE sealing key; ingestion seals to the newest one it has seen, old keys still open. */
export const keysSealingKeyRotatedV1 = z.strictObject({
  keyId: z.string().min(1).max(64),
  publicKey: base64,
});

export const keysPatientShreddedV1 = z.strictObject({
  patient: patientPseudonym,
  destroyedDeks: z.number().int().min(0),
  reason: z.string().min(1).max(500),
});
