import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/deps.ts';
import { routeModules } from '../../src/api/routes/index.ts';

export interface RegisteredRoute {
  /** "METHOD /url/:param" */
  key: string;
  method: string;
  url: string;
  /** Left out of the OpenAPI document on purpose (`schema.hide`). */
  hidden: boolean;
}

/**
 * Every method + URL the API's route modules register, found by registering them on a probe instance with an
 * onRoute hook (HEAD twins of GET routes left out). The app itself adds GET /api/openapi.json (hidden).
 */
export async function registeredRoutes(deps: AppDeps): Promise<RegisteredRoute[]> {
  const probe = Fastify().withTypeProvider<ZodTypeProvider>();
  probe.setValidatorCompiler(validatorCompiler);
  probe.setSerializerCompiler(serializerCompiler);
  const routes = new Map<string, RegisteredRoute>([
    [
      'GET /api/openapi.json',
      { key: 'GET /api/openapi.json', method: 'GET', url: '/api/openapi.json', hidden: true },
    ],
  ]);
  probe.addHook('onRoute', (route) => {
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      const key = `${method} ${route.url}`;
      routes.set(key, { key, method, url: route.url, hidden });
    }
  });
  for (const register of routeModules) await register(probe as unknown as ApiApp, deps);
  await probe.ready();
  await probe.close();
  return [...routes.values()].sort((a, b) => a.key.localeCompare(b.key));
}
