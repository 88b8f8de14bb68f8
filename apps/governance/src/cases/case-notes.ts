// Case notes may name patients, so they are sealed like records: AES-256-GCM under a key per institution, derived
// from governance's notes key, with the case, note and institution bound as AAD. Only that institution's officers
// are given the text back (CasesService checks the scope); topics, tables and the ledger see ciphertext.
import { createHash, hkdfSync } from 'node:crypto';
import { canonicalBytes } from '@medshare/contracts';
import { gcmDecrypt, gcmEncrypt } from '@medshare/crypto';

export interface SealedNote {
  noteId: string;
  keyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

const KEY_VERSION = 'v1';

export class CaseNotes {
  constructor(private readonly masterKey: Uint8Array) {}

  seal(caseId: string, institution: string, noteId: string, text: string): SealedNote {
    const { iv, ciphertext, tag } = gcmEncrypt(this.keyOf(institution), Buffer.from(text, 'utf8'), aadOf(caseId, institution, noteId));
    return { noteId, keyId: keyIdOf(institution), iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: tag.toString('base64') };
  }

  /** Undefined when the note does not open under this institution's key for this case (moved, or tampered with). */
  open(caseId: string, institution: string, note: SealedNote): string | undefined {
    if (note.keyId !== keyIdOf(institution)) return undefined;
    const parts = { iv: Buffer.from(note.iv, 'base64'), ciphertext: Buffer.from(note.ciphertext, 'base64'), tag: Buffer.from(note.tag, 'base64') };
    return gcmDecrypt(this.keyOf(institution), parts, aadOf(caseId, institution, note.noteId))?.toString('utf8');
  }

  private keyOf(institution: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.from('medshare.case-notes'), Buffer.from(`${institution}/${KEY_VERSION}`), 32));
  }
}

/** DEV ONLY (refused in production by the configuration): a fixed key so notes survive restarts on a laptop. */
export const DEV_CASE_NOTES_KEY = createHash('sha256').update('medshare.dev-case-notes-key.v1').digest();

function keyIdOf(institution: string): string {
  return `notes-${institution}-${KEY_VERSION}`;
}

function aadOf(caseId: string, institution: string, noteId: string): Buffer {
  return canonicalBytes(['medshare.case-note.v1', caseId, institution, noteId]);
}
