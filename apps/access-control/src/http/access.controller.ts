// The HTTP API: submissions (consents, agreements, roles), decisions, and the read path. Translation only:
// the rules live in Submissions, AccessDecisions and libs/consent.
import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { fromZodIssues } from '@medshare/consent';
import { decisionQuestion } from '@medshare/contracts';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';
import { AccessDecisions, type DecisionAnswer } from '../access-decisions';
import { AuthenticationRefusal, RequesterAuthenticator, type Requester } from '../auth/requester-authenticator';
import { Submissions } from '../submissions';
import { jsonBody } from './json-body';

const FHIR_JSON = 'application/fhir+json';

@Controller('v1')
export class AccessController {
  constructor(
    private readonly submissions: Submissions,
    private readonly decisions: AccessDecisions,
    private readonly authenticator: RequesterAuthenticator,
  ) {}

  @Post('consents')
  @HttpCode(201)
  async submitConsent(@Req() request: Request, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) response: Response) {
    const submitter = await this.institutionActor(authorization);
    const { consent } = await this.submissions.submitConsent(submitter, jsonBody(request));
    response.type(FHIR_JSON);
    return consent;
  }

  @Post('agreements')
  @HttpCode(201)
  async submitAgreement(@Req() request: Request, @Headers('authorization') authorization: string | undefined) {
    const submitter = await this.institutionActor(authorization);
    return this.submissions.submitAgreement(submitter, jsonBody(request));
  }

  @Post('roles')
  @HttpCode(201)
  async registerRole(@Req() request: Request, @Headers('authorization') authorization: string | undefined) {
    const submitter = await this.institutionActor(authorization);
    return this.submissions.registerRole(submitter, jsonBody(request));
  }

  @Post('decisions')
  @HttpCode(200)
  async decide(@Req() request: Request, @Headers('authorization') authorization: string | undefined): Promise<DecisionAnswer> {
    // Authentication first, so a refused token leaves its denial event whatever the body is.
    const question = decisionQuestion.safeParse(request.body);
    const requester = await this.decisions.authenticate(authorization, question.data?.purpose, question.data?.reason);
    jsonBody(request);
    if (!question.success) {
      throw new AccessControlError(
        AccessControlErrorCode.InvalidInput,
        fromZodIssues('Decision', question.error.issues).map((issue) => ({ text: issue.diagnostics, expression: issue.expression[0] })),
      );
    }
    return this.decisions.ask(requester, question.data);
  }

  @Get('decisions/:decisionId/break-glass-reason')
  async reviewBreakGlassReason(@Param('decisionId') decisionId: string, @Headers('authorization') authorization: string | undefined) {
    const reviewer = await this.institutionActor(authorization);
    if (!/^[0-9a-f-]{36}$/.test(decisionId))
      throw new AccessControlError(AccessControlErrorCode.InvalidInput, [{ text: 'a decision id is a UUID', expression: 'decisionId' }]);
    return this.decisions.reviewBreakGlassReason(reviewer, decisionId);
  }

  @Get('patients/:patientRef/records')
  async read(
    @Param('patientRef') patientRef: string,
    @Query() query: Record<string, unknown>,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const requester = await this.decisions.authenticate(authorization, query['purpose'], query['reason']);
    const unknown = Object.keys(query).filter((name) => !['purpose', 'types', 'reason'].includes(name));
    // The parameter's name is the caller's: it is counted, not echoed.
    if (unknown.length > 0)
      throw new AccessControlError(
        AccessControlErrorCode.InvalidInput,
        unknown.map(() => ({ text: 'an unknown search parameter (accepted: purpose, types, reason)' })),
      );
    const answer = await this.decisions.read(requester, {
      patient: patientRef,
      purpose: single(query['purpose'], 'purpose'),
      ...(query['types'] !== undefined && { resourceTypes: typesOf(query['types']) }),
      ...(query['reason'] !== undefined && { reason: single(query['reason'], 'reason') }),
    });
    response.type(FHIR_JSON);
    response.setHeader('X-Medshare-Decision', answer.effect);
    response.setHeader('X-Medshare-Decision-Id', answer.decisionId);
    response.setHeader('X-Medshare-Withheld-Types', answer.withheldResourceTypes.join(','));
    response.setHeader('X-Medshare-Pending-Types', answer.pendingResourceTypes.join(','));
    return answer.bundle;
  }

  private async institutionActor(authorization: string | undefined): Promise<Requester> {
    try {
      return this.authenticator.institutionActor(authorization, new Date());
    } catch (error) {
      if (error instanceof AuthenticationRefusal) await this.decisions.recordRefusal(error, '');
      throw error;
    }
  }
}

export function single(value: unknown, name: string): unknown {
  if (Array.isArray(value)) throw new AccessControlError(AccessControlErrorCode.InvalidInput, [{ text: `${name} may be given once`, expression: name }]);
  return value;
}

/** `types=Observation,Condition` (or repeated): exact R4 names, checked by the decision intake. */
function typesOf(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((item) => String(item).split(',')).map((type) => type.trim());
}
