// The attachments' door: create an upload, ask where it stands, append to it (resumable, streamed; see
// AttachmentUploads). HTTP in, UploadState out; the institution is the bearer token's.
import { Controller, Get, Param, Patch, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IngestionErrorCode, failure } from '../intake/ingestion-error';
import { IngestionService } from '../intake/ingestion.service';
import { readBodyWithin } from '../http/request-body';
import { AttachmentUploads, type UploadState } from './attachment-uploads';

const CREATE_BODY_BYTES = 16 * 1024;
const OFFSET = /^\d{1,16}$/;
const CHUNK_MEDIA_TYPES = new Set(['application/offset+octet-stream', 'application/octet-stream']);

@Controller('v1/attachments')
export class AttachmentController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly uploads: AttachmentUploads,
  ) {}

  @Post()
  async create(@Req() request: Request, @Res() response: Response): Promise<void> {
    const institution = this.ingestion.authenticate(request.header('authorization'));
    let body: unknown;
    try {
      body = JSON.parse((await readBodyWithin(request, CREATE_BODY_BYTES)).toString('utf8'));
    } catch (error) {
      if (error instanceof SyntaxError) throw failure(IngestionErrorCode.MalformedBody, 'structure', 'The body is not JSON');
      throw error;
    }
    const state = await this.uploads.create(institution, body);
    send(response.status(201).location(`/v1/attachments/${state.fileId}`), state);
  }

  @Get(':fileId')
  async state(@Req() request: Request, @Param('fileId') fileId: string, @Res() response: Response): Promise<void> {
    const institution = this.ingestion.authenticate(request.header('authorization'));
    send(response.status(200), await this.uploads.state(institution, fileId));
  }

  /** tus-style append: `Upload-Offset` must be where the upload stands; the answer says where it stands now. */
  @Patch(':fileId')
  async append(@Req() request: Request, @Param('fileId') fileId: string, @Res() response: Response): Promise<void> {
    const institution = this.ingestion.authenticate(request.header('authorization'));
    const mediaType = (request.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!CHUNK_MEDIA_TYPES.has(mediaType)) throw failure(IngestionErrorCode.UnsupportedMediaType, 'not-supported', 'Send application/offset+octet-stream');
    const offset = request.header('upload-offset') ?? '';
    if (!OFFSET.test(offset)) throw failure(IngestionErrorCode.MalformedBody, 'required', 'Upload-Offset must be a byte offset', 'Upload-Offset');
    send(response.status(200), await this.uploads.append(institution, fileId, Number(offset), request));
  }
}

function send(response: Response, state: UploadState): void {
  response
    .set({ 'Upload-Offset': String(state.offset), 'Upload-Length': String(state.size), 'Cache-Control': 'no-store' })
    .type('application/json')
    .send(JSON.stringify(state));
}
