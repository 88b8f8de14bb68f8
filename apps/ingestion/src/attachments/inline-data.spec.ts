import type { FhirResource } from '@medshare/fhir';
import { inlineDataOf } from './inline-data';

describe('inlineDataOf', () => {
  it.each<[string, FhirResource, string[]]>([
    ['a Binary', { resourceType: 'Binary', contentType: 'application/dicom', data: 'AAAA' }, ['Binary']],
    [
      "a DocumentReference's attachments",
      {
        resourceType: 'DocumentReference',
        status: 'current',
        content: [{ attachment: { contentType: 'application/pdf', data: 'AAAA' } }, { attachment: { contentType: 'text/plain', url: 'https://x.example/a' } }],
      },
      ['application/pdf'],
    ],
    ['a DiagnosticReport presentedForm', { resourceType: 'DiagnosticReport', presentedForm: [{ contentType: 'image/png', data: 'AAAA' }] }, ['image/png']],
    // Signature.data has no contentType beside it... it has targetFormat/sigFormat: not an Attachment.
    ['no attachment', { resourceType: 'Provenance', signature: [{ data: 'AAAA', sigFormat: 'application/jose' }] }, []],
  ])('finds %s', (_name, resource, expected) => {
    expect(inlineDataOf(resource).map(({ holder, binary }) => (binary ? 'Binary' : holder['contentType']))).toEqual(expected);
  });
});
