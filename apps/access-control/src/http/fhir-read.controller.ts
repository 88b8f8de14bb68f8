// The read half of the FHIR base /fhir/R4 (a gateway routes GET here, writes to ingestion): metadata, and read-back of
// an institution's own submissions by its integration system. Translation only: the rule lives in OwnSubmissions.
import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { FHIR_ID_PATTERN as ID, FHIR_TYPE_PATTERN as TYPE } from '@medshare/contracts';
import { capabilityStatement } from '@medshare/fhir';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';
import { AuthenticationRefusal, RequesterAuthenticator, type Requester } from '../auth/requester-authenticator';
import { AccessDecisions } from '../access-decisions';
import { OwnSubmissions, type OwnQuery } from '../own-submissions';

const FHIR_JSON = 'application/fhir+json';
const STARTED = new Date().toISOString();

@Controller('fhir/R4')
export class FhirReadController {
  constructor(
    private readonly own: OwnSubmissions,
    private readonly authenticator: RequesterAuthenticator,
    private readonly decisions: AccessDecisions,
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

  @Get(':type/:id')
  read(
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
      () => ({ kind: 'read', resourceType: checked(type, TYPE, 'type'), id: checked(id, ID, 'id') }),
      response,
    );
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
    const purpose = query['purpose'];
    const requester = await this.requester(authorization, typeof purpose === 'string' ? purpose : '');
    // A parameter's name is the caller's: counted, not echoed.
    const unknown = Object.keys(query).filter((name) => !accepted.includes(name));
    if (unknown.length > 0)
      throw new AccessControlError(
        AccessControlErrorCode.InvalidInput,
        unknown.map(() => ({ text: `an unknown parameter (accepted: ${accepted.join(', ')})` })),
      );
    const answer = await this.own.answer(requester, purpose, ownQuery());
    response.type(FHIR_JSON);
    response.setHeader('X-Medshare-Decision-Id', answer.decisionId);
    if ('resource' in answer) {
      const version = (answer.resource.meta as { versionId?: string } | undefined)?.versionId;
      if (version !== undefined) response.setHeader('ETag', `W/"${version}"`);
      return answer.resource;
    }
    return answer.bundle;
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

function checked(value: string, pattern: RegExp, where: string): string {
  if (!pattern.test(value)) throw new AccessControlError(AccessControlErrorCode.InvalidInput, [{ text: `${where} is not a FHIR ${where}`, expression: where }]);
  return value;
}
