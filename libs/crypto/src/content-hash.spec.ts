import { contentHash } from './content-hash';

describe('contentHash', () => {
  it.each([
    ['the empty input (FIPS 180-4)', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['"abc" (FIPS 180-4 example)', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('hashes %s to the published SHA-256', (_case, input, expected) => {
    expect(contentHash(Buffer.from(input))).toBe(expected);
  });
});
