// Read-back: the submitting institution's integration system reads and searches what it submitted, through the same
// permit → decrypt path as every read, each request an access.decision.v1 (and a records.disclosed.v1 when
// something left) on the ledger. The rule is read/read-back.ts; consent plays no part in it.
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { newEventId } from '@medshare/contracts';
import { currentVersions, isDeletion, storedFileOf, versionOf, type Bundle, type FhirResource } from '@medshare/fhir';
import { PlatformKeys, SERVICE_CONFIG } from '@medshare/service-kit';
import { AccessControlError, AccessControlErrorCode } from './access-control-error';
import type { Requester } from './auth/requester-authenticator';
import type { AccessControlConfig } from './config';
import { AccessAuditPublisher } from './decisions/access-audit.publisher';
import { parsePatientToken, pseudonymOf } from './patient-token';
import { AccessProjection } from './projection/access-projection';
import { ProjectionFeed } from './projection/projection-feed';
import { ProjectionRepository } from './projection/projection.repository';
import { RecordDecryptor, type DecryptedRecord } from './read/record-decryptor';
import { READ_BACK_RULE, dateMatcher, readBackVerdict } from './read/read-back';

const RETRY_PAUSE_MS = 50;

export type OwnQuery =
  | { kind: 'read'; resourceType: string; id: string }
  | { kind: 'history'; resourceType: string; id: string }
  | { kind: 'search'; resourceType: string; patient: string; dates: readonly string[] };

export type OwnAnswer = { decisionId: string; resource: FhirResource } | { decisionId: string; bundle: Bundle };

/** A Binary's bytes: inline in the resource, or a stored file and the key the encryption service released for it. */
export type BinaryContent =
  { decisionId: string; kind: 'inline'; contentType: string; bytes: Buffer } | { decisionId: string; kind: 'file'; fileId: string; key: Buffer };

@Injectable()
export class OwnSubmissions {
  constructor(
    private readonly projection: AccessProjection,
    private readonly repository: ProjectionRepository,
    private readonly feed: ProjectionFeed,
    private readonly decryptor: RecordDecryptor,
    private readonly audit: AccessAuditPublisher,
    private readonly keys: PlatformKeys,
    @Inject(SERVICE_CONFIG) private readonly config: AccessControlConfig,
  ) {}

  async answer(requester: Requester, purpose: unknown, query: OwnQuery): Promise<OwnAnswer> {
    const decisionId = newEventId();
    const actor = {
      institution: requester.institution,
      practitioner: requester.practitioner ?? `Organization/${requester.institution}`,
      ...(requester.role && { role: requester.role }),
    };
    const record = (effect: 'permit' | 'deny', httpStatus: number, reasons: string[], patient?: string) =>
      this.audit.decided({
        decisionId,
        requester: actor,
        ...(patient && { patient }),
        purpose: typeof purpose === 'string' ? purpose : '',
        effect,
        httpStatus,
        reasons,
        decidingRule: READ_BACK_RULE,
        breakGlass: false,
        withheldResourceTypes: [],
        requestedResourceTypes: [query.resourceType],
      });
    const refuse = async (code: AccessControlErrorCode, status: number, reason: string, patient?: string): Promise<never> => {
      await record('deny', status, [reason], patient);
      const error = new AccessControlError(code, reason);
      error.decisionId = decisionId;
      throw error;
    };
    const verdict = readBackVerdict(requester, purpose);
    if (!verdict.permitted) return refuse(AccessControlErrorCode.AccessDenied, 403, verdict.reason);
    const matches = query.kind === 'search' ? dateMatcher(query.dates) : () => true;
    if (matches === undefined)
      throw new AccessControlError(AccessControlErrorCode.InvalidInput, [
        { text: 'date takes [eq|ne|lt|gt|le|ge]YYYY[-MM[-DD[Thh:mm:ss+zz:zz]]]', expression: 'date' },
      ]);

    await this.feed.catchUpWithRecords(this.config.READ_CATCH_UP_MS);
    // Which patient's records to open, and which record ids must come back (acknowledged before this read).
    let patient: string;
    let expected: string[];
    if (query.kind === 'search') {
      patient = this.projection.patientOf(pseudonymOf(this.keys.pseudonymKey(), parsePatientToken(query.patient, 'patient.identifier'), requester.institution));
      expected = (await this.repository.recordsOf(patient))
        .filter((row) => row.institution === requester.institution && row.resourceType === query.resourceType)
        .map((row) => row.recordId);
    } else {
      const versions = await this.repository.versionsOf(requester.institution, query.resourceType, query.id);
      if (versions.length === 0) return refuse(AccessControlErrorCode.NotFound, 404, 'no resource this institution submitted has this type and id');
      patient = versions[0].patient;
      expected = versions.map((version) => version.recordId);
    }
    const own =
      expected.length === 0
        ? []
        : await this.decryptOwn(decisionId, actor, patient, query.resourceType, new Set(expected), () =>
            record('deny', 503, ['the records could not be decrypted: nothing was disclosed'], patient),
          );
    const selected =
      query.kind === 'search'
        ? currentVersions(own).filter((found) => matches(found.resource))
        : own.filter((found) => found.recordId.startsWith(`${query.id}.`)).sort((a, b) => versionOf(b.resource) - versionOf(a.resource));
    if (query.kind === 'read' && (selected.length === 0 || isDeletion(selected[0].resource))) {
      return selected.length === 0
        ? refuse(AccessControlErrorCode.NotFound, 404, 'no resource this institution submitted has this type and id', patient)
        : refuse(AccessControlErrorCode.Gone, 410, 'the resource was deleted (its history keeps its versions)', patient);
    }
    const released = query.kind === 'read' ? selected.slice(0, 1) : selected;
    await Promise.all([
      record(released.length > 0 ? 'permit' : 'deny', 200, [`${released.length} of the institution's own submissions read back`], patient),
      this.audit.disclosed({
        decisionId,
        requester: actor,
        patient,
        purpose: 'HOPERAT',
        breakGlass: false,
        deIdentified: false,
        records: released.map(({ recordId, resourceType, institution }) => ({ recordId, resourceType, institution })),
      }),
    ]);
    if (query.kind === 'read') return { decisionId, resource: released[0].resource };
    return { decisionId, bundle: bundleOf(query.kind === 'history' ? 'history' : 'searchset', released) };
  }

  /**
   * The bytes of a Binary the institution submitted (FHIR's Binary read with a non-FHIR Accept): the Binary is read
   * back as above (same rule, decision and disclosure), then its inline data is the answer, or the stored file its tag
   * names, whose key the encryption service releases to the Binary's key owner's permit: a patient's, or the
   * institution's own key owner for a Binary about no patient, which no patient read can name.
   */
  async binaryContent(requester: Requester, purpose: unknown, id: string): Promise<BinaryContent> {
    const answer = await this.answer(requester, purpose, { kind: 'read', resourceType: 'Binary', id });
    if (!('resource' in answer)) throw new Error('a read answers one resource');
    const { decisionId, resource } = answer;
    const fileId = storedFileOf(resource);
    if (fileId === undefined) {
      const contentType = typeof resource['contentType'] === 'string' ? resource['contentType'] : 'application/octet-stream';
      return { decisionId, kind: 'inline', contentType, bytes: Buffer.from(typeof resource['data'] === 'string' ? resource['data'] : '', 'base64') };
    }
    const [version] = await this.repository.versionsOf(requester.institution, 'Binary', id);
    const outcome = await this.decryptor.fileKey({
      decisionId: newEventId(),
      requester: { institution: requester.institution, practitioner: `Organization/${requester.institution}` },
      patient: version.patient,
      resourceTypes: ['Binary'],
      purpose: 'HOPERAT',
      file: fileId,
    });
    if (outcome.kind === 'erased')
      throw new AccessControlError(AccessControlErrorCode.Erased, "the Binary's key was destroyed: its file can no longer be read");
    if (outcome.kind === 'key' && outcome.institution === requester.institution) return { decisionId, kind: 'file', fileId, key: outcome.key };
    if (outcome.kind === 'key') outcome.key.fill(0);
    throw new AccessControlError(AccessControlErrorCode.NotFound, 'no stored file of this Binary is readable');
  }

  /** The institution's own records of the patient, asked again (a permit each time) until every expected one came back. */
  private async decryptOwn(
    decisionId: string,
    requester: { institution: string; practitioner: string },
    patient: string,
    resourceType: string,
    expected: ReadonlySet<string>,
    onFailure: () => Promise<void>,
  ): Promise<DecryptedRecord[]> {
    const deadline = Date.now() + this.config.READ_CATCH_UP_MS;
    for (let permitId = decisionId; ; permitId = newEventId()) {
      let outcome;
      try {
        outcome = await this.decryptor.decrypt({
          decisionId: permitId,
          requester,
          patient,
          resourceTypes: [resourceType],
          purpose: 'HOPERAT',
          deIdentify: false,
        });
      } catch (error) {
        await onFailure();
        throw error;
      }
      if (outcome.kind === 'erased')
        throw new AccessControlError(AccessControlErrorCode.Erased, 'this patient was erased (their data keys were destroyed): no record can be read');
      const own = outcome.records.filter((found) => found.institution === requester.institution && expected.has(found.recordId));
      if (own.length === expected.size || Date.now() + RETRY_PAUSE_MS >= deadline) return own;
      await sleep(RETRY_PAUSE_MS);
    }
  }
}

function bundleOf(type: 'history' | 'searchset', records: readonly DecryptedRecord[]): Bundle {
  return {
    resourceType: 'Bundle',
    type,
    total: records.length,
    ...(records.length > 0 && {
      entry: records.map(({ resource }) => ({
        fullUrl: `${resource.resourceType}/${String(resource.id)}`,
        resource,
        ...(type === 'searchset' && { search: { mode: 'match' } }),
      })) as Bundle['entry'],
    }),
  };
}
