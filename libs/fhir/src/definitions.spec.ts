import { validateFhirResource } from './validate';

describe('before loadFhirDefinitions', () => {
  it('refuses to validate, naming the call that is missing', () => {
    expect(() => validateFhirResource({ resourceType: 'Patient' })).toThrow('call loadFhirDefinitions() once at service start');
  });
});
