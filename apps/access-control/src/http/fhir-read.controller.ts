// The read half of the FHIR base /fhir/R4 (a gateway routes GET here, writes to ingestion): metadata, and read-back of
// an institution's own submissions by its integration system. Translation only: the rule lives in OwnSubmissions.
import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { FHIR_ID_PATTERN as ID, FHIR_TYPE_PATTERN as TYPE } from '@medshare/contracts';
import { FileCipher } from '@medshare/crypto';
import { capabilityStatement } from '@medshare/fhir';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';
import { AuthenticationRefusal, RequesterAuthenticator, type Requester } from '../auth/requester-authenticator';
import { AccessDecisions } from '../access-decisions';
import { AttachmentReader } from '../files/attachment-reader';
import { sendBytes } from '../files/file-response';
import { OwnSubmissions, type OwnQuery } from '../own-submissions';

const FHIR_JSON = 'application/fhir+json';
const STARTED = new Date().toISOString();

@Controller('fhir/R4')
export class FhirReadController {
  constructor(
    private readonly own: OwnSubmissions,
    private readonly authenticator: RequesterAuthenticator,
    private readonly decisions: AccessDecisions,
    private readonly reader: AttachmentReader,
  ) {}

  @Get('metadata')
  async metadata(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) response: Response) {
    await this.requester(authorization, '');
    response.type(FHIR_JSON);
    return capabilityStatement({ date: STARTED });
  }

  @Get(':type/:id/_history')
  history(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.answer(
      authorization,
      query,
      ['purpose'],
      () => ({ kind: 'history', resourceType: checked(type, TYPE, 'type'), id: checked(id, ID, 'id') }),
      response,
    );
  }

  /** A read; for a Binary asked with a non-FHIR Accept (`application/octet-stream`, its content type), its bytes, with Range. */
  @Get(':type/:id')
  async read(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Headers('range') range: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const ownQuery = () => ({ kind: 'read' as const, resourceType: checked(type, TYPE, 'type'), id: checked(id, ID, 'id') });
    if (type !== 'Binary' || !wantsContent(accept)) {
      response.send(JSON.stringify(await this.answer(authorization, query, ['purpose'], ownQuery, response)));
      return;
    }
    const requester = await this.checkedRequester(authorization, query, ['purpose']);
    const content = await this.own.binaryContent(requester, query['purpose'], ownQuery().id);
    response.set('X-Medshare-Decision-Id', content.decisionId);
    if (content.kind === 'inline') {
      const { bytes } = content;
      await sendBytes(response, { size: bytes.byteLength, contentType: content.contentType, bytes: (at) => [bytes.subarray(at.start, at.end + 1)] }, range);
      return;
    }
    const cipher = new FileCipher(content.key, content.fileId);
    content.key.fill(0);
    await sendBytes(response, this.reader.source(cipher, await this.reader.manifest(cipher)), range);
  }

  /** Search by patient identifier (`patient.identifier=system|value`, required), type and `date`. */
  @Get(':type')
  search(
    @Param('type') type: string,
    @Query() query: Record<string, unknown>,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.answer(
      authorization,
      query,
      ['purpose', 'patient.identifier', 'date'],
      () => {
        const patient = query['patient.identifier'];
        if (typeof patient !== 'string')
          throw new AccessControlError(AccessControlErrorCode.InvalidInput, [
            { text: 'search needs patient.identifier=system|value, given once', expression: 'patient.identifier' },
          ]);
        const date = query['date'];
        const dates = date === undefined ? [] : (Array.isArray(date) ? date : [date]).map(String);
        return { kind: 'search', resourceType: checked(type, TYPE, 'type'), patient, dates };
      },
      response,
    );
  }

  /** Authentication first (a caller without a valid token hears 401 whatever it asks), then the query is checked. */
  private async answer(
    authorization: string | undefined,
    query: Record<string, unknown>,
    accepted: readonly string[],
    ownQuery: () => OwnQuery,
    response: Response,
  ) {
    const requester = await this.checkedRequester(authorization, query, accepted);
    const answer = await this.own.answer(requester, query['purpose'], ownQuery());
    response.type(FHIR_JSON);
    response.setHeader('X-Medshare-Decision-Id', answer.decisionId);
    if ('resource' in answer) {
      const version = (answer.resource.meta as { versionId?: string } | undefined)?.versionId;
      if (version !== undefined) response.setHeader('ETag', `W/"${version}"`);
      return answer.resource;
    }
    return answer.bundle;
  }

  private async checkedRequester(authorization: string | undefined, query: Record<string, unknown>, accepted: readonly string[]): Promise<Requester> {
    const purpose = query['purpose'];
    const requester = await this.requester(authorization, typeof purpose === 'string' ? purpose : '');
    // A parameter's name is the caller's: counted, not echoed.
    const unknown = Object.keys(query).filter((name) => !accepted.includes(name));
    if (unknown.length > 0)
      throw new AccessControlError(
        AccessControlErrorCode.InvalidInput,
        unknown.map(() => ({ text: `an unknown parameter (accepted: ${accepted.join(', ')})` })),
      );
    return requester;
  }

  /** Any registered institution's token; every refusal is a denial event first. */
  private async requester(authorization: string | undefined, purpose: string): Promise<Requester> {
    try {
      return this.authenticator.institutionActor(authorization, new Date());
    } catch (error) {
      if (error instanceof AuthenticationRefusal) await this.decisions.recordRefusal(error, purpose);
      throw error;
    }
  }
}

// FHIR's Binary read: the raw bytes unless the client asks for a FHIR (JSON) format, or for anything (a wildcard, or no Accept).
function wantsContent(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  return types.some((type) => type !== '') && !types.some((type) => type.includes('json') || type === '*/*');
}

function checked(value: string, pattern: RegExp, where: string): string {
  if (!pattern.test(value)) throw new AccessControlError(AccessControlErrorCode.InvalidInput, [{ text: `${where} is not a FHIR ${where}`, expression: where }]);
  return value;
}
