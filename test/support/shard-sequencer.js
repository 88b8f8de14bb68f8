// scripts/test.sh runs each tier as TEST_SHARDS in-band Jest processes side by side (--shard=i/n), each with its own
// exit watchdog. Jest's own split gives each shard as many files, whatever they take; this one deals the files out
// longest first, each to the shard with the least work so far, by their durations in an earlier run
// (test/support/durations.json, written by scripts/test-durations.js). A file not in it counts as the median.
// Every shard computes the same deal from the same list of files, so each file runs in exactly one of them.
const { relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const durations = require('./durations.json');

class ShardSequencer extends Sequencer {
  shard(tests, { shardIndex, shardCount }) {
    const key = (test) => relative(test.context.config.rootDir, test.path);
    const known = tests.map((test) => durations[key(test)]).filter((seconds) => seconds !== undefined);
    const median = known.sort((a, b) => a - b)[Math.floor(known.length / 2)] ?? 1;
    const cost = (test) => durations[key(test)] ?? median;
    const loads = new Array(shardCount).fill(0);
    const mine = [];
    for (const test of [...tests].sort((a, b) => cost(b) - cost(a) || key(a).localeCompare(key(b)))) {
      const shard = loads.indexOf(Math.min(...loads));
      loads[shard] += cost(test);
      if (shard === shardIndex - 1) mine.push(test);
    }
    return mine;
  }
}

module.exports = ShardSequencer;
