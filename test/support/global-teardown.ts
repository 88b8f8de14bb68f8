// Stops only what the global set-up started itself; servers that were already running are left alone.
import { releaseInfrastructure } from './infrastructure';

export default async function globalTeardown(): Promise<void> {
  await releaseInfrastructure();
}
