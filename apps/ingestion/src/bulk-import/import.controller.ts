// $import at the FHIR base (the asynchronous request pattern): POST the NDJSON, get 202 and Content-Location; poll
// it (202 + X-Progress while it runs, 200 with the result when done); the refused lines' OperationOutcomes are
// NDJSON at its `errors`. HTTP in and out only: the work is BulkImports'.
import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IngestionService } from '../intake/ingestion.service';
import { BulkImports } from './bulk-imports';
import type { ImportJob } from './import-job.repository';

const STATUS_PATH = '/fhir/R4/$import-status';

// Registered before the FHIR base's controller: its `POST fhir/R4/:type` would take `$import` for a type.
@Controller('fhir/R4')
export class ImportController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly imports: BulkImports,
  ) {}

  @Post('$import')
  async start(@Req() request: Request, @Res() response: Response): Promise<void> {
    const institution = this.ingestion.authenticate(request.header('authorization'));
    const job = await this.imports.start(institution, request);
    response
      .status(202)
      .set({ 'Content-Location': `${STATUS_PATH}/${job.jobId}`, 'Cache-Control': 'no-store' })
      .type('application/json')
      .send(JSON.stringify(statusOf(job)));
  }

  @Get('$import-status/:jobId')
  async status(@Req() request: Request, @Param('jobId') jobId: string, @Res() response: Response): Promise<void> {
    const job = await this.imports.job(this.ingestion.authenticate(request.header('authorization')), jobId);
    const running = job.state === 'running';
    response
      .status(running ? 202 : 200)
      .set({
        'Cache-Control': 'no-store',
        ...(running && { 'X-Progress': progressOf(job), 'Retry-After': '1' }),
      })
      .type('application/json')
      .send(JSON.stringify(statusOf(job)));
  }

  @Get('$import-status/:jobId/errors')
  async errors(@Req() request: Request, @Param('jobId') jobId: string, @Res() response: Response): Promise<void> {
    const job = await this.imports.job(this.ingestion.authenticate(request.header('authorization')), jobId);
    response.status(200).set('Cache-Control', 'no-store').type('application/fhir+ndjson');
    for await (const line of this.imports.outcomes(job)) {
      if (!response.write(line)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
  }
}

function progressOf(job: ImportJob): string {
  const percent = job.size === 0 ? 100 : Math.floor((100 * job.bytesDone) / job.size);
  const passes = job.pass === 1 ? '' : `, pass ${job.pass} sending the ${job.linesWaiting} waiting`;
  return `${percent}% (lines read ${job.linesRead}, accepted ${job.linesAccepted}, refused ${job.linesRefused}${passes})`;
}

/** The job as the status URL tells it; once done, where the refused lines' outcomes are (FHIR bulk data's `error`). */
function statusOf(job: ImportJob): Record<string, unknown> {
  return {
    jobId: job.jobId,
    state: job.state,
    size: job.size,
    bytesDone: job.bytesDone,
    linesRead: job.linesRead,
    linesAccepted: job.linesAccepted,
    linesRefused: job.linesRefused,
    linesWaiting: job.linesWaiting,
    pass: job.pass,
    ...(job.state !== 'running' && {
      transactionTime: job.finishedAt,
      request: '/fhir/R4/$import',
      requiresAccessToken: true,
      output: [],
      error: [{ type: 'OperationOutcome', url: `${STATUS_PATH}/${job.jobId}/errors`, count: job.linesRefused }],
    }),
  };
}
