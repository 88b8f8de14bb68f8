// Where the repository is, wherever the CLI was started from (it runs from dist/tools/cli/src).
import { resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../../../..');
