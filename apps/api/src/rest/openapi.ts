// /openapi.json: the REST routes, generated from the same zod schemas the procedures validate with.
import { z } from 'zod';
import { restRoutes } from './routes.ts';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'code', 'message', 'requestId'],
      properties: {
        type: { type: 'string', examples: ['conflict_error'] },
        code: { type: 'string', examples: ['idempotency_key_reused'] },
        message: { type: 'string' },
        requestId: { type: 'string' },
        details: { type: 'object' },
        idempotency: {
          type: 'object',
          properties: {
            code: { type: 'string' },
            retryAfterMs: { type: 'integer' },
            expiresAt: { type: 'string' },
          },
        },
      },
    },
  },
};

const errorResponses: Record<string, string> = {
  '400':
    'Invalid request: malformed JSON, failed validation, a bad idempotency key, or (seed 003) a reused key.',
  '401': 'Missing or unknown API key.',
  '404': 'Not found (a stored outcome: it replays).',
  '409':
    'Conflict: key reused with another body, a duplicate still in flight (Retry-After), or a natural duplicate.',
  '413': 'The body is larger than 1 MiB.',
  '422': 'The key was reused with another body (seed 002, IETF draft).',
  '503': 'The idempotency store is unavailable: nothing was processed.',
};

export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of restRoutes) {
    const parameters: unknown[] = [];
    for (const m of route.path.matchAll(/\{(\w+)\}/g)) {
      parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
    }
    if (route.keyHeader) {
      parameters.push({
        name: route.keyHeader.name,
        in: 'header',
        required: route.keyHeader.required,
        description:
          'One key per logical operation, reused on every retry of it. Up to 255 printable ASCII characters.',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const status of route.statuses) {
      responses[String(status)] = {
        description:
          status === 200 && route.statuses.includes(201)
            ? 'Already known: the existing resource.'
            : 'Success.',
        content: { 'application/json': { schema: { type: 'object' } } },
      };
    }
    for (const [status, description] of Object.entries(errorResponses)) {
      responses[status] = {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[route.path] = {
      [route.method.toLowerCase()]: {
        operationId: route.procedure,
        summary: route.summary,
        description: `Reproduces seed document ${route.seed}. Served by the tRPC procedure \`${route.procedure}\`.`,
        tags: [route.procedure.split('.')[0]],
        parameters,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: z.toJSONSchema(route.input, { io: 'input', unrepresentable: 'any' }),
            },
          },
        },
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'idem demo API',
      version: '0.1.0',
      description:
        'The five seed documents, reproduced by idem. Every route is also a typed tRPC procedure under /trpc. ' +
        'Authenticate with x-api-key or Authorization: Bearer.',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
