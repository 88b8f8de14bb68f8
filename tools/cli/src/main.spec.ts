import { run } from './main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) }, out, err };
}

describe('medshare CLI', () => {
  it.each([
    ['no command prints help and exits 2', [], 2, /usage: npx medshare/],
    ['--help exits 0', ['--help'], 0, /token --institution/],
    ['an unknown command is a usage error', ['frobnicate'], 2, /unknown command frobnicate/],
    ['token without an institution is a usage error', ['token'], 2, /usage: medshare token/],
    ['token with an unknown flag is a usage error', ['token', '--institution', 'hosp-a', '--colour', 'red'], 2, /Unknown option '--colour'/],
    ['token with a flag but no value is a usage error', ['token', '--institution'], 2, /'--institution <value>' argument missing/],
    ['token with a stray argument is a usage error', ['token', '--institution', 'hosp-a', 'extra'], 2, /Unexpected argument 'extra'/],
    ['demo with an unknown flag is a usage error', ['demo', '--speed', '3'], 2, /Unknown option '--speed'/],
    ['token for an unknown institution is refused', ['token', '--institution', 'hosp-zz'], 2, /unknown institution hosp-zz/],
    ['infra with a wrong action is a usage error', ['infra', 'sideways'], 2, /usage: medshare infra/],
  ])('%s', async (_name, argv, code, pattern) => {
    const { io, out, err } = capture();
    expect(await run(argv, io)).toBe(code);
    expect([...out, ...err].join('\n')).toMatch(pattern);
  });

  it('takes --name=value as well as --name value', async () => {
    const { io, out } = capture();
    expect(await run(['token', '--institution=hosp-a', '--ttl', '60'], io)).toBe(0);
    expect(out[0].split('.')).toHaveLength(3);
  });

  it('issues a dev token that has three JWS parts', async () => {
    const { io, out } = capture();
    expect(await run(['token', '--institution', 'hosp-a', '--practitioner', 'dr-1', '--role', 'physician'], io)).toBe(0);
    expect(out[0].split('.')).toHaveLength(3);
  });
});
