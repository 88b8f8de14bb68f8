#!/usr/bin/env node
// Worked question 1: how many access decisions, permitted and denied, per requesting institution and purpose?
//   node scripts/analyst/decisions-per-purpose.js --env .data/secrets/kafka-credentials/analyst-hosp-a.env
'use strict';
const { answer } = require('./audit-reader');

/** {institution: {purpose: {permit, deny}}} from audit.decision.v1 events. */
function decisionsPerPurpose(events) {
  const table = {};
  for (const { data } of events) {
    const row = (table[data.institution] ??= {});
    const cell = (row[data.purpose] ??= { permit: 0, deny: 0 });
    cell[data.effect] += 1;
  }
  return table;
}

if (require.main === module) answer(decisionsPerPurpose, { topics: ['medshare.audit.decisions.v1'], types: ['audit.decision.v1'] });
module.exports = { decisionsPerPurpose };
