import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { registerAuthentication } from './auth/authenticate.ts';
import type { AppDeps } from './deps.ts';
import { registerHttpTracing } from './http-tracing.ts';
import { redactingLoggerOptions } from './log-redaction.ts';
import { HttpProblem, sendProblem, unauthorized } from './problems.ts';
import { databaseRateLimitStore, registerApiTokenLimit } from './rate-limits.ts';
import { routeModules } from './routes/index.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { webhookDocuments } from './webhook-openapi.ts';

export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The package's root (the folder with package.json): sources run from src/api/, the build from dist/. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

const WEB_DIST = resolve(packageRoot(import.meta.dirname), 'web/dist');

/** A hop count becomes "trust the nearest n hops" (Fastify's types take it as a function). */
function trustProxyOption(
  value: boolean | number | string,
): boolean | string | ((ip: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_ip, hop) => hop < value : value;
}

/** Builds the HTTP app: API under /api, OpenAPI at /api/openapi.json, docs at /api/docs, the UI at /. */
export async function buildApp(deps: AppDeps): Promise<ApiApp> {
  const app = Fastify({
    logger: {
      ...redactingLoggerOptions(deps.config.logLevel),
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    bodyLimit: 5 * 1024 * 1024,
    // TRUST_PROXY: which X-Forwarded-For hops to believe for `request.ip` (rate limits, audit).
    trustProxy: trustProxyOption(deps.config.trustProxy),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();

  // First hook of all when OpenTelemetry traces are on (OTEL_EXPORTER_OTLP_ENDPOINT): one span per request.
  registerHttpTracing(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendProblem(error as Error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      new HttpProblem(404, 'route_not_found', `No route ${request.method} ${request.url}`),
      request,
      reply,
    ),
  );
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await registerSecurityHeaders(app, deps.config);
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, { global: false, store: databaseRateLimitStore(deps) });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Stepwise API',
        version: '1',
        description:
          'Sequences, connections, work list and Up next. Authenticate with the session cookie (UI) or ' +
          '`Authorization: Bearer <token>`. Errors are application/problem+json with a stable `code`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'sw_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      webhooks: webhookDocuments(),
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  registerAuthentication(app, deps);
  registerApiTokenLimit(app, deps);
  // The API docs and the OpenAPI document need a sign-in (session or token) unless PUBLIC_API_DOCS=true.
  app.addHook('onRequest', async (request) => {
    if (deps.config.publicApiDocs || request.actor) return;
    const path = request.url.split('?')[0]!;
    if (path === '/api/openapi.json' || path === '/api/docs' || path.startsWith('/api/docs/')) {
      throw unauthorized('Sign in (or send an API token) to read the API docs');
    }
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  for (const routes of routeModules) await routes(app, deps);

  if (existsSync(WEB_DIST)) {
    await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false });
    // Client-side routes: any non-API GET that is not a file gets the app shell.
    app.get('/*', { schema: { hide: true } }, (request, reply) => {
      if (request.url.startsWith('/api/')) {
        return sendProblem(
          new HttpProblem(404, 'route_not_found', `No route GET ${request.url}`),
          request,
          reply,
        );
      }
      return reply.sendFile('index.html');
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>Stepwise</title><p>Stepwise API is running. The UI is not built: run <code>npm run build:web</code>. API docs: <a href="/api/docs">/api/docs</a></p>',
        ),
    );
  }
  return app;
}
