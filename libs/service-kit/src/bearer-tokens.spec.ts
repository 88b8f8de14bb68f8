import { BearerTokens } from './bearer-tokens';

const OPERATOR = 'operator-token-0123456789abcdef';
const AUDITOR = 'auditor-token-0123456789abcdef';

describe('BearerTokens', () => {
  const tokens = new BearerTokens({ operator: OPERATOR, auditor: AUDITOR });

  it.each<[string, string | undefined, string | undefined]>([
    ["the operator's token", `Bearer ${OPERATOR}`, 'operator'],
    ["the auditor's token", `Bearer ${AUDITOR}`, 'auditor'],
    ['no header', undefined, undefined],
    ['another token', 'Bearer operator-token-0123456789abcdeX', undefined],
    ['another scheme', `Basic ${OPERATOR}`, undefined],
    ['a token followed by more', `Bearer ${OPERATOR} x`, undefined],
  ])('names the role of %s', (_case, header, role) => {
    expect(tokens.roleOf(header)).toBe(role);
  });
});
