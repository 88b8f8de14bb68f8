import { institutionKeyOwner } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { keysCommand } from './keys';

describe('medshare keys', () => {
  const io = () => {
    const lines = { out: [] as string[], err: [] as string[] };
    return { lines, io: { out: (text: string) => lines.out.push(text), err: (text: string) => lines.err.push(text) } };
  };

  it.each([
    ['no action', []],
    ['an unknown action', ['rotate-everything']],
    ['shred without a reason', ['shred', 'p-abcdefghijklmnopqrst']],
    ['shred of something that is not a pseudonym', ['shred', 'Jane Doe', '--reason', 'T-1']],
    ['extra arguments', ['rotate-kek', 'now']],
    ['shred of two patients at once', ['shred', 'p-abcdefghijklmnopqrst', 'p-bbcdefghijklmnopqrst', '--reason', 'T-1']],
    ['shred with an unknown flag', ['shred', 'p-abcdefghijklmnopqrst', '--reason', 'T-1', '--force', 'yes']],
  ])('refuses %s with usage (exit 2) and calls nothing', async (_name, args) => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    const { lines, io: commandIo } = io();
    expect(await keysCommand(args, commandIo)).toBe(2);
    expect(lines.err.join('\n')).toContain('usage: medshare keys');
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it('posts a shred with its reason and the operator token, and prints the answer', async () => {
    const fetchSpy = jest
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(new Response(JSON.stringify({ patient: 'p-abcdefghijklmnopqrst', destroyedDeks: 1 }), { status: 200 }));
    const { lines, io: commandIo } = io();
    expect(await keysCommand(['shred', 'p-abcdefghijklmnopqrst', '--reason', 'GDPR-17'], commandIo)).toBe(0);
    const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
    expect(url).toMatch(/\/v1\/patients\/p-abcdefghijklmnopqrst\/shred$/);
    expect(init.body).toBe(JSON.stringify({ reason: 'GDPR-17' }));
    expect((init.headers as Record<string, string>).authorization).toMatch(/^Bearer /);
    expect(JSON.parse(lines.out[0])).toEqual({ patient: 'p-abcdefghijklmnopqrst', destroyedDeks: 1 });
    fetchSpy.mockRestore();
  });

  it('shreds an institution key: the key owner its reference resources are encrypted under', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(JSON.stringify({ destroyedDeks: 1 }), { status: 200 }));
    const { io: commandIo } = io();
    expect(await keysCommand(['shred-institution', 'hosp-a', '--reason', 'T-2'], commandIo)).toBe(0);
    const owner = institutionKeyOwner(new PlatformKeys(platformKeysSchema.parse({})).pseudonymKey(), 'hosp-a');
    expect((fetchSpy.mock.calls[0] as [string])[0]).toMatch(new RegExp(`/v1/patients/${owner}/shred$`));
    fetchSpy.mockRestore();
  });
});
