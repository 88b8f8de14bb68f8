// `node dist/test/support/fuzz-platform.js NAME`: the five services on a broker, databases and free ports of their own
// for `npm run fuzz` (scripts/fuzz.sh), so a fuzz run never shares the default ports 3001-3005 with anyone. Prints
// one `name=port` line per service, then `ready`; removes everything on SIGTERM/SIGINT.
import { startPrivatePlatform } from './private-platform';
import { adoptInfraKafkaEnv } from './endpoints';

async function main(name: string): Promise<void> {
  adoptInfraKafkaEnv();
  const platform = await startPrivatePlatform(name);
  for (const [service, running] of platform.services) process.stdout.write(`${service}=${running.port}\n`);
  process.stdout.write('ready\n');
  await new Promise<void>((resolveStop) => {
    process.once('SIGTERM', resolveStop);
    process.once('SIGINT', resolveStop);
  });
  await platform.remove();
}

main(process.argv[2] ?? `fuzz${process.pid}`).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
