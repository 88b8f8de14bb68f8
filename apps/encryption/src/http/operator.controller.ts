// The operator API of key lifecycle (used by `npx medshare keys ...`): rotate the KEK or the sealing key, shred a patient.
import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { KeyLifecycle } from '../keys/key-lifecycle.service';
import { OperatorError, OperatorErrorCode } from './operator-error';
import { OperatorTokenGuard } from './operator-token.guard';

const pseudonym = z.string().regex(/^p-[a-z2-7]{16,64}$/);
/** A ticket or legal reference, not free text: it travels on an audited topic and must not carry patient data. */
const shredBody = z.strictObject({ reason: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._:#/-]{0,199}$/) });

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
  shred(@Param('patient') patient: string, @Body() body: unknown) {
    if (!pseudonym.safeParse(patient).success) throw new OperatorError(OperatorErrorCode.InvalidRequest, 'patient must be a pseudonym p-<base32>');
    const parsed = shredBody.safeParse(body);
    if (!parsed.success) throw new OperatorError(OperatorErrorCode.InvalidRequest, 'body must be {"reason": "<ticket or legal reference>"}');
    return this.keys.shred(patient, parsed.data.reason);
  }
}
