// Every migration of the encryption database, listed explicitly and in order.
import { EncryptionState1732400000000 } from './1732400000000-encryption-state';
import { FileKeys1733600000000 } from './1733600000000-file-keys';
import { EncryptedSealedEvents1734000000000 } from './1734000000000-encrypted-sealed-events';

export const migrations = [EncryptionState1732400000000, FileKeys1733600000000, EncryptedSealedEvents1734000000000];
