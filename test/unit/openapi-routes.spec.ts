// Every route a controller declares is in its service's HTTP contract (libs/contracts/src/http), and every route of
// the contract is served: adding a route without its one-line registry entry fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { httpApis, platformRoutes } from '@medshare/contracts';

const ROOT = resolve(__dirname, '../..');

function controllerFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return controllerFiles(path);
    return entry.name.endsWith('.controller.ts') || entry.name === 'health.ts' ? [path] : [];
  });
}

function joined(...parts: string[]): string {
  const path = `/${parts
    .flatMap((part) => part.split('/'))
    .filter((part) => part !== '')
    .join('/')}`;
  // Nest's `:param` is OpenAPI's `{param}`.
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * `METHOD /path` of every handler in the files, read from the decorators' text (requiring the controllers would load
 * every dependency, ESM-only ones included): `@Controller('v1')` then `@Get('blocks/:height')`, `@Post()`.
 */
function declaredRoutes(files: string[]): string[] {
  return files.flatMap((file) => {
    const routes: string[] = [];
    let prefix = '';
    for (const [, decorator, path = ''] of readFileSync(file, 'utf8').matchAll(/@(Controller|Get|Post|Put|Patch|Delete)\((?:'([^']*)')?\)/g)) {
      if (decorator === 'Controller') prefix = path;
      else routes.push(`${decorator.toUpperCase()} ${joined(prefix, path)}`);
    }
    return routes;
  });
}

describe('HTTP contracts cover the controllers', () => {
  const shared = declaredRoutes(controllerFiles(join(ROOT, 'libs/service-kit/src')));

  it("the platform routes are service-kit's (plus GET /openapi.json, served by bootstrap)", () => {
    expect(platformRoutes.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort()).toEqual([...shared, 'GET /openapi.json'].sort());
  });

  it.each(httpApis.map((api) => [api.service, api] as const))('%s: every controller route is in the contract and the other way round', (service, api) => {
    const declared = declaredRoutes(controllerFiles(join(ROOT, 'apps', service, 'src')));
    expect(api.routes.map((route) => `${route.method.toUpperCase()} ${route.path}`).sort()).toEqual(declared.sort());
  });
});
