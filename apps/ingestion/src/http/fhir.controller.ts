// POST /v1/fhir: the hospital systems' door. Translates HTTP to a Submission and the Answer back; nothing else.
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import type { IngestionConfig } from '../config';
import { IngestionService } from '../intake/ingestion.service';
import { readBodyWithin } from './request-body';

@Controller('v1/fhir')
export class FhirController {
  constructor(
    private readonly ingestion: IngestionService,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
  ) {}

  @Post()
  async submit(@Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await this.ingestion.submit({
      authorization: request.header('authorization'),
      idempotencyKey: request.header('idempotency-key'),
      contentType: request.header('content-type'),
      readBody: () => readBodyWithin(request, this.config.MAX_BODY_BYTES),
    });
    // Refusals are thrown as IngestionError and rendered by service-kit's error filter.
    response
      .status(answer.status)
      .set(answer.headers ?? {})
      .type('application/json')
      .send(JSON.stringify(answer.body));
  }
}
