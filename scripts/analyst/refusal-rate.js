#!/usr/bin/env node
// Worked question 3: what share of each institution's submissions was refused, per day (UTC)?
// Per submission (audit.submission.v1): `accepted` resources stored, `refused` entries and their issue codes.
//   node scripts/analyst/refusal-rate.js --env .data/secrets/kafka-credentials/analyst-hosp-a.env
'use strict';
const { answer } = require('./audit-reader');

/**
 * {institution: {day: {submissions, refusedSubmissions, refusalRate, accepted, refused, issues}}}: a submission is
 * refused when it stored nothing (refusalRate = refusedSubmissions / submissions); `accepted` counts the resources
 * stored, `refused` the entries refused (also inside accepted batches), `issues` their codes.
 */
function refusalRate(events) {
  const table = {};
  for (const { time, data } of events) {
    const day = time.slice(0, 10);
    const cell = ((table[data.institution] ??= {})[day] ??= { submissions: 0, refusedSubmissions: 0, refusalRate: 0, accepted: 0, refused: 0, issues: {} });
    cell.submissions += 1;
    if (data.accepted === 0) cell.refusedSubmissions += 1;
    cell.accepted += data.accepted;
    cell.refused += data.refused;
    for (const { code, count } of data.issues) cell.issues[code] = (cell.issues[code] ?? 0) + count;
    cell.refusalRate = cell.refusedSubmissions / cell.submissions;
  }
  return table;
}

if (require.main === module) answer(refusalRate, { topics: ['medshare.audit.submissions.v1'], types: ['audit.submission.v1'] });
module.exports = { refusalRate };
