/**
 * The HTTP endpoint: `POST /ingest` (Defender streaming-API messages `{"records":[...]}` or JSON
 * lines; bearer token; size limit; 400 with a reason for a malformed body, nothing of it kept;
 * 429 with Retry-After when the queue is full; 200 only once the events are spooled to disk),
 * `GET /metrics` (Prometheus text) and `GET /healthz`. Slow clients are cut off by the request
 * and header timeouts; one bad request never stops the server.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type LineProblem, parseLine } from './lines.js';
import type { Spool } from './spool.js';
import type { WatchEvent } from './source.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Undefined only with --no-auth. */
  token?: string;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  spool: Spool;
  metrics: () => string;
  health: () => { ok: boolean; detail: Record<string, unknown> };
  onRequest?: (status: number, path: string) => void;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses a body into spool lines and their events, or says what is wrong with it. */
export function parseBody(text: string): { lines: string[]; groups: WatchEvent[][] } | { error: string } {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') return { error: 'empty body' };
  const position = { stream: '', offset: 0, end: 0 };
  // One JSON document (a streaming-API message, possibly pretty-printed)?
  if (body.startsWith('{') || body.startsWith('[')) {
    const nl = body.indexOf('\n');
    if (nl >= 0) {
      const events: WatchEvent[] = [];
      const problems: LineProblem[] = [];
      const one = body.replace(/[\r\n]+/g, ' ');
      parseLine(one, position, undefined, events, problems);
      if (!problems.length) return { lines: [one], groups: [events.map((e) => ({ ...e, position: { ...position } }))] };
    }
  }
  const lines: string[] = [];
  const groups: WatchEvent[][] = [];
  let n = 0;
  for (const raw of body.split('\n')) {
    n++;
    const line = raw.trim();
    if (line === '') continue;
    const events: WatchEvent[] = [];
    const problems: LineProblem[] = [];
    parseLine(line, position, undefined, events, problems);
    if (problems.length) return { error: `line ${n}: ${problems[0]!.message}` };
    lines.push(line);
    groups.push(events.map((e) => ({ ...e, position: { ...position } })));
  }
  return { lines, groups };
}

export function startHttp(o: HttpOptions): Promise<Server> {
  const headersDone = new WeakSet<object>();
  const server = createServer({ requestTimeout: o.requestTimeoutMs, headersTimeout: Math.min(o.requestTimeoutMs, 60_000), keepAliveTimeout: 5_000, connectionsCheckingInterval: Math.max(100, Math.min(1000, o.requestTimeoutMs / 2)) }, (req, res) => {
    headersDone.add(req.socket);
    const url = (req.url ?? '/').split('?')[0]!;
    res.on('finish', () => o.onRequest?.(res.statusCode, url));
    try {
      if (req.method === 'GET' && url === '/healthz') {
        const h = o.health();
        return send(res, h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'unhealthy', ...h.detail });
      }
      if (req.method === 'GET' && url === '/metrics') {
        const text = o.metrics();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      if (url !== '/ingest' && url !== '/') return send(res, 404, { error: 'not found: POST /ingest, GET /metrics, GET /healthz' });
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' }, { allow: 'POST' });
      if (!authorized(req, o.token)) {
        req.resume();
        return send(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer', connection: 'close' });
      }
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > o.maxBodyBytes) {
        req.resume();
        return send(res, 413, { error: `body larger than ${o.maxBodyBytes} bytes` }, { connection: 'close' });
      }
      if (!o.spool.hasRoom(1)) {
        req.resume();
        return send(res, 429, { error: 'ingest queue full, retry later' }, { 'retry-after': '1' });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      // The whole body must arrive within the request timeout (a slow client holds no slot for long).
      const timer = setTimeout(() => {
        tooBig = true;
        send(res, 408, { error: 'body not received in time' }, { connection: 'close' });
        setImmediate(() => req.destroy());
      }, o.requestTimeoutMs);
      req.on('close', () => clearTimeout(timer));
      let tooBig = false;
      req.on('data', (c: Buffer) => {
        if (tooBig) return;
        size += c.length;
        if (size > o.maxBodyBytes) {
          tooBig = true;
          chunks.length = 0;
          send(res, 413, { error: `body larger than ${o.maxBodyBytes} bytes` }, { connection: 'close' });
          req.unpipe();
          setImmediate(() => req.destroy());
          return;
        }
        chunks.push(c);
      });
      req.on('error', () => undefined);
      req.on('end', () => {
        clearTimeout(timer);
        if (tooBig) return;
        const parsed = parseBody(Buffer.concat(chunks).toString('utf8'));
        if ('error' in parsed) return send(res, 400, { error: parsed.error });
        const count = parsed.groups.reduce((a, g) => a + g.length, 0);
        if (!o.spool.hasRoom(count)) return send(res, 429, { error: 'ingest queue full, retry later' }, { 'retry-after': '1' });
        o.spool.append(parsed.lines, parsed.groups).then(
          () => send(res, 200, { accepted: count }),
          (e: Error) => send(res, 503, { error: `could not spool: ${e.message}` }),
        );
      });
    } catch (e) {
      send(res, 500, { error: (e as Error).message });
    }
  });
  // A connection whose first request's headers do not arrive in time is closed (slowloris).
  server.on('connection', (socket) => {
    const t = setTimeout(() => { if (!headersDone.has(socket)) socket.destroy(); }, o.requestTimeoutMs);
    socket.once('close', () => clearTimeout(t));
  });
  // Idle sockets (a client that stops sending) are closed.
  server.setTimeout(o.requestTimeoutMs);
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => { server.off('error', reject); resolve(server); });
  });
}

/** Standard input (JSON lines) into the spool, paced by the spool's queue. */
export async function pumpStdin(spool: Spool, onProblem: (p: LineProblem & { line: number }) => void): Promise<void> {
  let rest = '';
  let n = 0;
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    const text = rest + chunk;
    const last = text.lastIndexOf('\n');
    if (last < 0) { rest = text; continue; }
    rest = text.slice(last + 1);
    const lines: string[] = [];
    const groups: WatchEvent[][] = [];
    for (const raw of text.slice(0, last).split('\n')) {
      n++;
      const line = raw.trim();
      if (!line) continue;
      const events: WatchEvent[] = [];
      const problems: LineProblem[] = [];
      parseLine(line, { stream: '', offset: 0, end: 0 }, undefined, events, problems);
      for (const p of problems) onProblem({ ...p, line: n });
      if (!events.length) continue;
      lines.push(line);
      groups.push(events);
    }
    while (!spool.hasRoom(lines.length)) await new Promise((r) => setTimeout(r, 20));
    if (lines.length) await spool.append(lines, groups);
  }
  if (rest.trim()) {
    const events: WatchEvent[] = [];
    const problems: LineProblem[] = [];
    parseLine(rest.trim(), { stream: '', offset: 0, end: 0 }, undefined, events, problems);
    for (const p of problems) onProblem({ ...p, line: n + 1 });
    if (events.length) await spool.append([rest.trim()], [events]);
  }
}
