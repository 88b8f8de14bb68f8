// Wires the encryption service: the shared platform (Kafka, PostgreSQL, health, metrics) and its own parts.
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformKeys, PlatformModule, type Logger } from '@medshare/service-kit';
import type { EncryptionConfig } from './config';
import { DecryptServer } from './decrypt/decrypt.server';
import { DecryptService } from './decrypt/decrypt.service';
import { PermitUseRepository } from './decrypt/permit-use.repository';
import { FileKeyRepository } from './files/file-key.repository';
import { FileKeyServer } from './files/file-key.server';
import { FileKeys } from './files/file-keys.service';
import { OperatorController } from './http/operator.controller';
import { KeyLifecycle } from './keys/key-lifecycle.service';
import { KeyStoreRepository } from './keys/key-store.repository';
import { PatientKeys } from './keys/patient-keys';
import { migrations } from './migrations';
import { EncryptedRecordRepository } from './records/encrypted-record.repository';
import { RecordStoreProjector } from './records/record-store.projector';
import { SealedEventRepository } from './records/sealed-event.repository';
import { SealedRecordConsumer } from './records/sealed-record.consumer';

@Module({})
export class EncryptionModule {
  static register(config: EncryptionConfig, logger: Logger): DynamicModule {
    return {
      module: EncryptionModule,
      imports: [PlatformModule.forRoot({ service: 'encryption', config, logger, database: { entities: [], migrations }, keys: new PlatformKeys(config) })],
      controllers: [OperatorController],
      providers: [
        KeyStoreRepository,
        KeyLifecycle,
        PatientKeys,
        EncryptedRecordRepository,
        SealedEventRepository,
        PermitUseRepository,
        DecryptService,
        DecryptServer,
        SealedRecordConsumer,
        RecordStoreProjector,
        FileKeyRepository,
        FileKeys,
        FileKeyServer,
      ],
    };
  }
}
