import type { FhirResource } from './fhir-types';
import { securityLabelsOf } from './security-labels';

const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const V3_CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

describe('securityLabelsOf', () => {
  it.each<[string, FhirResource, ReturnType<typeof securityLabelsOf>]>([
    ['no meta gives no labels', { resourceType: 'Observation' }, []],
    [
      'confidentiality and sensitivity labels in order',
      {
        resourceType: 'Condition',
        meta: {
          security: [
            { system: V3_CONFIDENTIALITY, code: 'R' },
            { system: V3_ACT_CODE, code: 'HIV', display: 'HIV/AIDS information sensitivity' },
          ],
        },
      },
      [
        { system: V3_CONFIDENTIALITY, code: 'R' },
        { system: V3_ACT_CODE, code: 'HIV' },
      ],
    ],
    ['a label without system keeps its code', { resourceType: 'Condition', meta: { security: [{ code: 'PSY' }] } }, [{ code: 'PSY' }]],
    ['a coding without code is skipped', { resourceType: 'Condition', meta: { security: [{ system: V3_ACT_CODE, display: 'x' }] } }, []],
  ])('%s', (_case, resource, expected) => {
    expect(securityLabelsOf(resource)).toEqual(expected);
  });
});
