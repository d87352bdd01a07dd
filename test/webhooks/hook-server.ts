import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HookHit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP subscriber on loopback that records every POST and answers 204. */
export async function startHookServer(): Promise<{ url: string; hits: HookHit[]; close(): Promise<void> }> {
  const hits: HookHit[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      hits.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
