// Every migration of the encryption database, listed explicitly and in order.
import { EncryptionState1732400000000 } from './1732400000000-encryption-state';

export const migrations = [EncryptionState1732400000000];
