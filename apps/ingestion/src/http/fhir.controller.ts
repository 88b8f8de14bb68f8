// The hospital systems' door: the FHIR base /fhir/R4 (metadata, batch and transaction Bundles, create, update and
// delete of one resource) and its alias POST /v1/fhir. Translates HTTP to a Submission and the Answer back; nothing else.
// A new route is one more method here calling IngestionService.submit (or a controller of its own).
import { Controller, Delete, Get, Inject, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { capabilityStatement } from '@medshare/fhir';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import type { IngestionConfig } from '../config';
import { IngestionService, type Accepted, type Answer, type Submission } from '../intake/ingestion.service';
import { responseBundle } from '../versions/entry-responses';
import { readBodyWithin } from './request-body';

const FHIR_JSON = 'application/fhir+json';
/** When this build's statement was produced: the process start. */
const STARTED = new Date().toISOString();

@Controller()
export class FhirController {
  constructor(
    private readonly ingestion: IngestionService,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /** The alias: one resource or a Bundle, answered 202 with the sealed records (no per-entry answers). */
  @Post('v1/fhir')
  async submit(@Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await this.ingestion.submit(this.submission(request));
    const { entries: _entries, responseType: _type, ...legacy } = answer.body as Accepted;
    send(response, answer, 'application/json', legacy);
  }

  @Get('fhir/R4/metadata')
  async metadata(@Req() request: Request, @Res() response: Response): Promise<void> {
    this.ingestion.authenticateOnly(request.header('authorization'));
    send(response, { status: 200, body: undefined }, FHIR_JSON, capabilityStatement({ date: STARTED }));
  }

  /** batch (entries answered independently) or transaction (all or nothing). */
  @Post('fhir/R4')
  async bundle(@Req() request: Request, @Res() response: Response): Promise<void> {
    const answer = await this.ingestion.submit({ ...this.submission(request), fhirBase: true });
    const accepted = answer.body as Accepted;
    send(response, { ...answer, status: 200 }, FHIR_JSON, responseBundle(accepted.responseType, accepted.entries));
  }

  @Post('fhir/R4/:type')
  create(@Param('type') type: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.single(request, response, { method: 'POST', url: type, ...header(request, 'if-none-exist', 'ifNoneExist') });
  }

  @Put('fhir/R4/:type/:id')
  update(@Param('type') type: string, @Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.single(request, response, { method: 'PUT', url: `${type}/${id}`, ...header(request, 'if-match', 'ifMatch') });
  }

  @Delete('fhir/R4/:type/:id')
  remove(@Param('type') type: string, @Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.single(request, response, { method: 'DELETE', url: `${type}/${id}` }, false);
  }

  /**
   * One interaction on one resource: a transaction of one entry, so it takes exactly the path a Bundle entry takes
   * (issues name `Bundle.entry[0]`). Answered with the entry's status, Location, ETag and Last-Modified, no body.
   */
  private async single(request: Request, response: Response, entryRequest: Record<string, string>, withBody = true): Promise<void> {
    const submission = this.submission(request);
    const answer = await this.ingestion.submit({
      ...submission,
      ...(!withBody && { contentType: FHIR_JSON }),
      fhirBase: true,
      readBody: async () => {
        const resource = withBody ? await submission.readBody() : undefined;
        const entry = Buffer.from(`{"request":${JSON.stringify(entryRequest)}${resource === undefined ? '' : ',"resource":'}`);
        return Buffer.concat([
          Buffer.from('{"resourceType":"Bundle","type":"transaction","entry":['),
          entry,
          ...(resource === undefined ? [] : [resource]),
          Buffer.from('}]}'),
        ]);
      },
    });
    const [entry] = (answer.body as Accepted).entries;
    response
      .status(entry.status)
      .set({
        ...answer.headers,
        ...(entry.location && { Location: entry.location }),
        ...(entry.etag && { ETag: entry.etag }),
        ...(entry.lastModified && { 'Last-Modified': new Date(entry.lastModified).toUTCString() }),
      })
      .end();
  }

  private submission(request: Request): Submission {
    return {
      authorization: request.header('authorization'),
      idempotencyKey: request.header('idempotency-key'),
      contentType: request.header('content-type'),
      readBody: () => readBodyWithin(request, this.config.MAX_BODY_BYTES),
    };
  }
}

function header(request: Request, name: string, field: string): Record<string, string> {
  const value = request.header(name);
  return value === undefined ? {} : { [field]: value };
}

// Refusals are thrown as IngestionError and rendered by service-kit's error filter.
function send(response: Response, answer: Answer, type: string, body: unknown): void {
  response
    .status(answer.status)
    .set(answer.headers ?? {})
    .type(type)
    .send(JSON.stringify(body));
}
