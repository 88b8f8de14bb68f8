// What a shred's reason becomes on the audited keys topic: a keyed reference, not the operator's text. The text is
// a ticket or legal reference chosen by a person and may carry patient data (an MRN in a ticket title), while the
// topic and the ledger keep it for ever. The operator API answers the reference, so the ticket can record it, and
// the same reason always gives the same reference under one master secret (an auditor's question "which shred was
// ticket X" is answered by the service, not by reading the topic).
import { createHmac } from 'node:crypto';

const SHRED_REASON_LABEL = 'medshare.shred-reason.v1';
const REFERENCE_BYTES = 20;

export function shredReasonRef(masterSecret: Uint8Array, reason: string): string {
  const key = createHmac('sha256', masterSecret).update(SHRED_REASON_LABEL).digest();
  return `sr-${createHmac('sha256', key).update(reason, 'utf8').digest().subarray(0, REFERENCE_BYTES).toString('hex')}`;
}
