// Where the repository is, wherever the CLI was started from: the nearest folder upwards that holds nx.json
// (from dist/ or, in tests, from source). The container image has no nx.json: there the dist layout
// (dist/tools/cli/src) decides.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findRepoRoot(from: string): string {
  for (let folder = from; dirname(folder) !== folder; folder = dirname(folder)) {
    if (existsSync(join(folder, 'nx.json'))) return folder;
  }
  return resolve(from, '../../../..');
}

export const repoRoot = findRepoRoot(__dirname);
