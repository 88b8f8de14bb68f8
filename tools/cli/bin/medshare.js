#!/usr/bin/env node
// The operator CLI; the build compiles tools/cli/src into dist/ (npm ci runs the build).
require('../../../dist/tools/cli/src/main.js').main();
