// Operator API authentication: a bearer token equal to OPERATOR_TOKEN, compared in constant time.
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { BearerTokens, SERVICE_CONFIG } from '@medshare/service-kit';
import { operatorTokenOf, type EncryptionConfig } from '../config';
import { OperatorError, OperatorErrorCode } from './operator-error';

@Injectable()
export class OperatorTokenGuard implements CanActivate {
  private readonly tokens: BearerTokens<'operator'>;

  constructor(@Inject(SERVICE_CONFIG) config: EncryptionConfig) {
    this.tokens = new BearerTokens({ operator: operatorTokenOf(config) });
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.tokens.roleOf(context.switchToHttp().getRequest<Request>().header('authorization')) !== 'operator') {
      throw new OperatorError(OperatorErrorCode.Unauthenticated, 'an operator bearer token is required');
    }
    return true;
  }
}
