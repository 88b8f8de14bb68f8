// The operator API of key lifecycle (used by `npx medshare keys ...`): rotate the KEK or the sealing key, shred a patient.
import { Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { parsedBody } from '@medshare/service-kit';
import { KeyLifecycle } from '../keys/key-lifecycle.service';
import { OperatorTokenGuard } from './operator-token.guard';
import { parseShredRequest } from './shred-request';

@Controller('v1')
@UseGuards(OperatorTokenGuard)
export class OperatorController {
  constructor(private readonly keys: KeyLifecycle) {}

  @Get('keys')
  status() {
    return this.keys.status();
  }

  @Post('keys/kek/rotate')
  @HttpCode(200)
  rotateKek() {
    return this.keys.rotateKek();
  }

  @Post('keys/sealing/rotate')
  @HttpCode(200)
  rotateSealingKey() {
    return this.keys.rotateSealingKey();
  }

  @Post('patients/:patient/shred')
  @HttpCode(200)
  shred(@Param('patient') patient: string, @Req() request: Request) {
    const shred = parseShredRequest(patient, parsedBody(request));
    return this.keys.shred(shred.patient, shred.reason);
  }
}
