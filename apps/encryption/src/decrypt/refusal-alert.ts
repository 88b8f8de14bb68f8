// The governance alert raised for a refused decrypt request: reason, ids and the requester's institution, no content.
import { envelope, newEventId, type EventOf } from '@medshare/contracts';
import type { Permit } from '@medshare/crypto';

const INSTITUTION_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function decryptRefusalAlert(
  request: EventOf<'encryption.decrypt-requested.v1'>,
  reason: string,
  source: string,
  permit?: Permit,
): EventOf<'governance.alert.v1'> {
  const institution = permit?.requester.institution;
  return envelope(
    'governance.alert.v1',
    source,
    {
      alertId: newEventId(),
      kind: 'decrypt-refused' as const,
      severity: 'warning' as const,
      summary: `decrypt request refused: ${reason}`,
      // A permit is signed, but its institution is only a string: it goes on the alert only if it looks like an id.
      ...(institution !== undefined && INSTITUTION_ID.test(institution) ? { institution } : {}),
      details: { requestId: request.id, reason, ...(permit === undefined ? {} : { decisionId: permit.decisionId }) },
    },
    { cause: request },
  );
}
