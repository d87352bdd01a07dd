import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { WEBHOOK_EVENT_DATA, WEBHOOK_EVENTS } from '../domain/webhooks/events.ts';
import { SIGNATURE_HEADER } from '../mail/webhooks.ts';

/**
 * The OpenAPI 3.1 `webhooks` section: one entry per event with the JSON schema of the POST body a subscriber
 * receives (the envelope with that event's `data`), built from the same schemas the emitters are typed by.
 */
export function webhookDocuments(): Record<string, OpenAPIV3_1.PathItemObject> {
  const out: Record<string, OpenAPIV3_1.PathItemObject> = {};
  for (const event of WEBHOOK_EVENTS) {
    const body = z.object({
      id: z.string().meta({ description: 'Stable per event: deduplicate retries with it' }),
      event: z.literal(event),
      occurredAt: z.iso.datetime(),
      orgId: z.string(),
      data: WEBHOOK_EVENT_DATA[event],
    });
    out[event] = {
      post: {
        summary: event,
        parameters: [
          {
            name: SIGNATURE_HEADER,
            in: 'header',
            required: true,
            description: '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`',
            schema: { type: 'string' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: z.toJSONSchema(body, { io: 'output' }) as OpenAPIV3_1.SchemaObject,
            },
          },
        },
        responses: { '2XX': { description: 'Received; any other answer is retried with back-off' } },
      },
    } as unknown as OpenAPIV3_1.PathItemObject;
  }
  return out;
}
