#!/usr/bin/env node
require('../../../dist/tools/verify/src/main.js').main();
