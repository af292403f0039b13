import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * `conforming` honours the sample description; `broken` breaks it in four
 * known places (the contract violations the demo and the tests expect to see):
 * - GET /pets answers 200 with `Content-Type: text/plain` (content_type_conformance);
 * - POST /pets accepts any body with 201, never 400 (negative_data_rejection);
 * - GET /pets/{petId} returns the id as a string, and a name with HTML in it (response_schema_conformance);
 * - DELETE /pets/{petId} answers 500 (not_a_server_error).
 */
export type SampleTargetMode = 'conforming' | 'broken';

export interface SampleTarget {
  url: string;
  port: number;
  /** TCP connections accepted so far (tests use it to prove a refused target saw nothing). */
  readonly connections: number;
  close(): Promise<void>;
}

interface Pet {
  id: number;
  name: string;
  tag?: string;
  status?: 'available' | 'sold';
}

const STATUSES = ['available', 'sold'];

function send(res: ServerResponse, status: number, body?: unknown, contentType = 'application/json'): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': contentType }).end(JSON.stringify(body));
}

const error = (res: ServerResponse, status: number, message: string) => send(res, status, { code: status, message });

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The problem with a NewPet body, or null when it is valid. */
function newPetProblem(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object';
  const pet = body as Record<string, unknown>;
  if (typeof pet.name !== 'string') return 'name is required and must be a string';
  if (pet.name.length < 1 || pet.name.length > 50) return 'name must be 1–50 characters';
  if (pet.tag !== undefined && typeof pet.tag !== 'string') return 'tag must be a string';
  if (pet.status !== undefined && !STATUSES.includes(pet.status as string)) return `status must be one of ${STATUSES.join(', ')}`;
  return null;
}

/** Starts the sample target on `host` (127.0.0.1 by default; `::` listens on IPv4 and IPv6 loopback alike) and `port` (0: any free port). */
export async function startSampleTarget(mode: SampleTargetMode, port = 0, host = '127.0.0.1'): Promise<SampleTarget> {
  const pets: Pet[] = [
    { id: 1, name: 'Rex', tag: 'dog', status: 'available' },
    { id: 2, name: 'Tom', tag: 'cat', status: 'sold' },
  ];
  let connections = 0;
  const broken = mode === 'broken';

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sample');
      const idMatch = /^\/pets\/([^/]+)$/.exec(url.pathname);
      if (url.pathname === '/pets' && req.method === 'GET') {
        const limit = url.searchParams.get('limit');
        const status = url.searchParams.get('status');
        if (limit !== null && (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 100)) return error(res, 400, 'limit must be an integer from 1 to 100');
        if (status !== null && !STATUSES.includes(status)) return error(res, 400, `status must be one of ${STATUSES.join(', ')}`);
        const list = pets.filter((p) => status === null || p.status === status).slice(0, limit === null ? 100 : Number(limit));
        return send(res, 200, list, broken ? 'text/plain' : 'application/json');
      }
      if (url.pathname === '/pets' && req.method === 'POST') {
        const body = await readJson(req);
        if (broken) return send(res, 201, { id: pets.length + 1, ...(body.ok && body.value && typeof body.value === 'object' ? body.value : {}) });
        if (!body.ok) return error(res, 400, 'a JSON body is required');
        const problem = newPetProblem(body.value);
        if (problem) return error(res, 400, problem);
        const pet: Pet = { id: pets.length + 1, ...(body.value as Omit<Pet, 'id'>) };
        return send(res, 201, pet);
      }
      if (idMatch && (req.method === 'GET' || req.method === 'DELETE')) {
        if (!/^\d+$/.test(idMatch[1]) || Number(idMatch[1]) < 1) return error(res, 400, 'petId must be a positive integer');
        const pet = pets.find((p) => p.id === Number(idMatch[1]));
        if (!pet) return error(res, 404, `no pet ${idMatch[1]}`);
        if (req.method === 'GET') {
          return send(res, 200, broken ? { ...pet, id: String(pet.id), name: '<script>alert("pwned")</script>' } : pet);
        }
        // Deleting only pretends to, so that runs stay repeatable whatever order the cases run in.
        return broken ? error(res, 500, 'internal error') : send(res, 204);
      }
      return error(res, 404, `no route ${req.method} ${url.pathname}`);
    })().catch(() => error(res, 500, 'unexpected'));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const actualPort = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
