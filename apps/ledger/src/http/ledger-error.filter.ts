// Turns a LedgerError into its HTTP status and a small JSON body naming the code.
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { httpStatusOf, LedgerError, LedgerErrorCode } from '../ledger-error';

@Catch(LedgerError)
export class LedgerErrorFilter implements ExceptionFilter {
  catch(error: LedgerError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error.code === LedgerErrorCode.Unauthenticated) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(httpStatusOf(error.code)).json({ code: error.code, message: error.message });
  }
}
