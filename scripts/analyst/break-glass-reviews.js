#!/usr/bin/env node
// Worked question 2: how often did each practitioner break the glass, and how did the reviews end?
// A break-glass use is an audit.case-alert.v1 of kind break-glass; its review outcome is the last state of that case
// (audit.case-transition.v1): closed-justified, closed-violation, closed-false-positive, or still open.
//   node scripts/analyst/break-glass-reviews.js --env .data/secrets/kafka-credentials/analyst-hosp-a.env
'use strict';
const { answer } = require('./audit-reader');

/** {institution: {practitioner: {uses, outcomes: {state: count}}}}; a case never transitioned is `open`. */
function breakGlassReviews(events) {
  const byTime = [...events].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  const lastState = new Map();
  for (const { type, data } of byTime) if (type === 'audit.case-transition.v1') lastState.set(data.caseId, data.state);
  const table = {};
  for (const { type, data } of byTime) {
    if (type !== 'audit.case-alert.v1' || data.kind !== 'break-glass') continue;
    const row = ((table[data.institution] ??= {})[data.practitioner] ??= { uses: 0, outcomes: {} });
    const outcome = lastState.get(data.caseId) ?? 'open';
    row.uses += 1;
    row.outcomes[outcome] = (row.outcomes[outcome] ?? 0) + 1;
  }
  return table;
}

if (require.main === module) answer(breakGlassReviews, { topics: ['medshare.audit.cases.v1'], types: ['audit.case-alert.v1', 'audit.case-transition.v1'] });
module.exports = { breakGlassReviews };
