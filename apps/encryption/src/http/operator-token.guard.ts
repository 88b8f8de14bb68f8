// Operator API authentication: a bearer token equal to OPERATOR_TOKEN, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import { operatorTokenOf, type EncryptionConfig } from '../config';
import { OperatorError, OperatorErrorCode } from './operator-error';

const digest = (text: string) => createHash('sha256').update(text).digest();

@Injectable()
export class OperatorTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(SERVICE_CONFIG) config: EncryptionConfig) {
    this.expected = digest(operatorTokenOf(config));
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().header('authorization') ?? '';
    const token = /^Bearer (\S+)$/.exec(header)?.[1];
    if (token === undefined || !timingSafeEqual(digest(token), this.expected)) {
      throw new OperatorError(OperatorErrorCode.Unauthenticated, 'an operator bearer token is required');
    }
    return true;
  }
}
