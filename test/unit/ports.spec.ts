// The shards of a tier run side by side (scripts/test.sh): a port freePorts() handed out is claimed in a file
// (.data/test-ports), so no other call, of this process or another, gets it again while unclaimed free ones are left.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePorts } from '../support/ports';

it('hands out each free port of a range once, then free ones that are claimed', async () => {
  const from = 31_000 + Math.floor(Math.random() * 50) * 10;
  // An earlier run's claims on these ten ports.
  for (let port = from; port < from + 10; port += 1) rmSync(resolve(__dirname, '../../.data/test-ports', String(port)), { force: true });
  const handedOut = [];
  for (let call = 0; call < 10; call += 1) handedOut.push(...(await freePorts(from, from + 10, 1)));
  expect(handedOut.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, index) => from + index));
  // All ten claimed: another call still gets a free port rather than failing.
  expect(await freePorts(from, from + 10, 1)).toEqual([expect.any(Number)]);
});
