// GET /v1/patients/:patientRef/files/:fileId: a permitted read of one attachment, streamed and decrypted chunk by
// chunk, with one HTTP byte range (206) or whole (200). The decision and the disclosure are on the ledger before the
// first byte leaves.
import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { FileCipher } from '@medshare/crypto';
import { AccessControlError, AccessControlErrorCode } from '../access-control-error';
import { AccessDecisions } from '../access-decisions';
import { single } from '../http/access.controller';
import { AttachmentReader } from './attachment-reader';
import { sendBytes } from './file-response';

const FILE_ID = /^f-[0-9a-f-]{36}$/;

@Controller('v1/patients/:patientRef/files')
export class FileController {
  constructor(
    private readonly decisions: AccessDecisions,
    private readonly reader: AttachmentReader,
  ) {}

  @Get(':fileId')
  async read(
    @Param('patientRef') patientRef: string,
    @Param('fileId') fileId: string,
    @Query() query: Record<string, unknown>,
    @Headers('authorization') authorization: string | undefined,
    @Headers('range') rangeHeader: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const requester = await this.decisions.authenticate(authorization, query['purpose'], query['reason']);
    const unknown = Object.keys(query).filter((name) => !['purpose', 'reason'].includes(name));
    if (unknown.length > 0)
      throw new AccessControlError(
        AccessControlErrorCode.InvalidInput,
        unknown.map(() => ({ text: 'an unknown parameter (accepted: purpose, reason)' })),
      );
    if (!FILE_ID.test(fileId)) throw new AccessControlError(AccessControlErrorCode.InvalidInput, [{ text: 'a file id is f-<uuid>', expression: 'fileId' }]);
    const read = await this.decisions.readFile(
      requester,
      {
        patient: patientRef,
        purpose: single(query['purpose'], 'purpose'),
        ...(query['reason'] !== undefined && { reason: single(query['reason'], 'reason') }),
      },
      fileId,
    );
    const cipher = new FileCipher(read.key, fileId);
    read.key.fill(0);
    const manifest = await this.reader.manifest(cipher);
    response.set({ 'X-Medshare-Decision': 'permit', 'X-Medshare-Decision-Id': read.decisionId });
    await sendBytes(response, this.reader.source(cipher, manifest), rangeHeader);
  }
}
