// Where governance's own alerts say they come from.
export const GOVERNANCE_SOURCE = 'governance';
