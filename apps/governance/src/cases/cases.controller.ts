// The case workflow over HTTP: the queue with its filters, one case with its alerts and timeline, and the steps an
// officer takes (state, assignee, sealed notes), each a governance.case.v1 event (CasesService). The schemas are the
// published contract's (libs/contracts/src/http/governance.ts).
import { Controller, Get, Header, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { caseAssigneeBody, caseNoteBody, caseParams, caseQuery, caseStateBody } from '@medshare/contracts';
import { scopeOf, type Officer } from '../auth/officer';
import { CurrentOfficer, OfficerGuard, OfficerRoles } from '../auth/officer.guard';
import { GovernanceErrorCode } from '../http/governance-error';
import { jsonBody, parseInput } from '../http/parse-input';
import { CaseError, CaseErrorCode } from './case-error';
import { CasesService, type CaseDetail, type CaseSummary, type Handler } from './cases.service';

type PrivacyOfficer = Extract<Officer, { role: 'privacy-officer' }>;

const caseIdOf = (params: unknown): string => parseInput(caseParams, params, GovernanceErrorCode.InvalidPath).caseId;
const handler = (officer: PrivacyOfficer): Handler => ({ institution: officer.institution });

@Controller('v1/cases')
@UseGuards(OfficerGuard)
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@CurrentOfficer() officer: Officer, @Query() query: Record<string, unknown>): Promise<{ cases: CaseSummary[] }> {
    return { cases: await this.cases.find(scopeOf(officer), parseInput(caseQuery, query, GovernanceErrorCode.InvalidQuery)) };
  }

  @Get(':caseId')
  @Header('Cache-Control', 'no-store')
  async detail(@CurrentOfficer() officer: Officer, @Param() params: Record<string, string>): Promise<CaseDetail> {
    const found = await this.cases.get(scopeOf(officer), caseIdOf(params));
    if (!found) throw new CaseError(CaseErrorCode.NotFound, 'no such case');
    return found;
  }

  @Post(':caseId/state')
  @HttpCode(200)
  @OfficerRoles('privacy-officer')
  setState(@CurrentOfficer() officer: PrivacyOfficer, @Param() params: Record<string, string>, @Req() request: Request): Promise<CaseSummary> {
    const caseId = caseIdOf(params);
    const { state } = jsonBody(request, caseStateBody);
    return this.cases.transition(handler(officer), caseId, { to: state, actor: officer.subject });
  }

  @Post(':caseId/assignee')
  @HttpCode(200)
  @OfficerRoles('privacy-officer')
  assign(@CurrentOfficer() officer: PrivacyOfficer, @Param() params: Record<string, string>, @Req() request: Request): Promise<CaseSummary> {
    const caseId = caseIdOf(params);
    const { assignee } = jsonBody(request, caseAssigneeBody);
    return this.cases.assign(handler(officer), caseId, { assignee, actor: officer.subject });
  }

  @Get(':caseId/notes')
  @Header('Cache-Control', 'no-store')
  @OfficerRoles('privacy-officer')
  async notes(@CurrentOfficer() officer: PrivacyOfficer, @Param() params: Record<string, string>): Promise<{ notes: unknown[] }> {
    return { notes: await this.cases.readNotes(handler(officer), caseIdOf(params)) };
  }

  @Post(':caseId/notes')
  @HttpCode(201)
  @OfficerRoles('privacy-officer')
  addNote(@CurrentOfficer() officer: PrivacyOfficer, @Param() params: Record<string, string>, @Req() request: Request): Promise<{ noteId: string }> {
    const caseId = caseIdOf(params);
    const { text } = jsonBody(request, caseNoteBody);
    return this.cases.addNote(handler(officer), caseId, { text, actor: officer.subject });
  }
}
