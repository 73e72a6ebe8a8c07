/**
 * Where alerts go: stdout (JSON lines), a JSON-lines file (append, fsync; on start it reads the
 * ids already in it, so an alert handed over again after a crash is not written twice), a webhook
 * (POST, retries with backoff; alerts wait in a queue file in the state directory until
 * delivered) and syslog (RFC 5424 over UDP, or TCP with octet counting).
 */
import { createSocket } from 'node:dgram';
import { promises as fs, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { connect, type Socket } from 'node:net';
import { jsonText } from '../engine/values/index.js';
import { writeAtomic } from './state.js';

export type AlertRecord = Record<string, unknown> & { id: string };

export interface Sink {
  readonly name: string;
  /** Resolves when the sink holds the alerts durably (or, for stdout and syslog, has sent them). */
  deliver(alerts: AlertRecord[]): Promise<void>;
  close(): Promise<void>;
}

export function stdoutSink(): Sink {
  return {
    name: 'stdout',
    async deliver(alerts) {
      if (!alerts.length) return;
      const text = alerts.map((a) => jsonText(a) + '\n').join('');
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
    },
    async close() {},
  };
}

export async function fileSink(file: string): Promise<Sink> {
  const ids = new Set<string>();
  let size = 0;
  try {
    const text = readFileSync(file, 'utf8');
    // A torn last line (a crash mid-append) is cut off; whole lines are kept.
    const last = text.lastIndexOf('\n');
    size = Buffer.byteLength(text.slice(0, last + 1));
    if (last + 1 < text.length) await fs.truncate(file, size);
    for (const line of text.slice(0, last + 1).split('\n')) {
      const m = /"id":"([^"]+)"/.exec(line);
      if (m) ids.add(m[1]!);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const fh = await fs.open(file, 'a');
  return {
    name: `file:${file}`,
    async deliver(alerts) {
      const fresh = alerts.filter((a) => !ids.has(a.id));
      if (!fresh.length) return;
      await fh.write(fresh.map((a) => jsonText(a) + '\n').join(''));
      await fh.datasync();
      for (const a of fresh) ids.add(a.id);
    },
    async close() {
      await fh.close();
    },
  };
}

export interface WebhookOptions {
  url: string;
  stateDir: string;
  headers?: Record<string, string>;
  /** First retry delay; doubles to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  log?: (level: string, msg: string, fields: Record<string, unknown>) => void;
}

/** Alerts go to a queue file first (durable), then a background loop POSTs them in order, one per request. */
export async function webhookSink(o: WebhookOptions): Promise<Sink & { pending(): number; drained(): Promise<void> }> {
  const queueFile = path.join(o.stateDir, 'webhook-queue.jsonl');
  const doneName = 'webhook-done.json';
  let queue: AlertRecord[] = [];
  try {
    const done = new Set<string>((JSON.parse(readFileSync(path.join(o.stateDir, doneName), 'utf8')) as { ids: string[] }).ids);
    queue = readFileSync(queueFile, 'utf8').split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l) as AlertRecord]; } catch { return []; } }).filter((a) => !done.has(a.id));
  } catch {
    try { queue = readFileSync(queueFile, 'utf8').split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l) as AlertRecord]; } catch { return []; } }); } catch { queue = []; }
  }
  const queued = new Set(queue.map((a) => a.id));
  const delivered: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  let idle: (() => void)[] = [];
  const rewrite = async () => {
    await writeAtomic(o.stateDir, 'webhook-queue.jsonl', queue.map((a) => jsonText(a) + '\n').join(''));
    await writeAtomic(o.stateDir, doneName, JSON.stringify({ ids: delivered.slice(-10_000) }));
  };
  const post = async (a: AlertRecord): Promise<boolean> => {
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': a.id, ...o.headers },
        body: jsonText(a),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      o.log?.('warn', 'webhook refused an alert', { status: res.status, id: a.id });
      return false;
    } catch (e) {
      o.log?.('warn', 'webhook unreachable', { error: (e as Error).message, id: a.id });
      return false;
    }
  };
  const loop = (async () => {
    let backoff = o.backoffMs ?? 500;
    while (!closed) {
      const head = queue[0];
      if (!head) {
        for (const f of idle) f();
        idle = [];
        await new Promise<void>((r) => { wake = r; });
        continue;
      }
      if (await post(head)) {
        queue.shift();
        queued.delete(head.id);
        delivered.push(head.id);
        await rewrite();
        backoff = o.backoffMs ?? 500;
      } else {
        await new Promise<void>((r) => { const t = setTimeout(r, backoff); wake = () => { clearTimeout(t); r(); }; });
        backoff = Math.min(backoff * 2, o.maxBackoffMs ?? 60_000);
      }
    }
  })();
  return {
    name: `webhook:${o.url}`,
    async deliver(alerts) {
      const fresh = alerts.filter((a) => !queued.has(a.id) && !delivered.includes(a.id));
      if (!fresh.length) return;
      await fs.appendFile(queueFile, fresh.map((a) => jsonText(a) + '\n').join(''));
      const fh = await fs.open(queueFile, 'r+');
      await fh.sync();
      await fh.close();
      for (const a of fresh) { queue.push(a); queued.add(a.id); }
      wake?.();
    },
    pending: () => queue.length,
    drained: () => (queue.length ? new Promise<void>((r) => idle.push(r)) : Promise.resolve()),
    async close() {
      closed = true;
      wake?.();
      await loop.catch(() => undefined);
    },
  };
}

const SYSLOG_SEVERITY: Record<string, number> = { High: 2, Medium: 4, Low: 5, Informational: 6 };

/** One RFC 5424 message: facility security/authorization (10), severity from the alert's. */
export function syslogMessage(a: AlertRecord, host = hostname()): string {
  const pri = 10 * 8 + (SYSLOG_SEVERITY[String(a.severity)] ?? 5);
  const sd = (v: unknown) => String(v ?? '').replace(/["\\\]]/g, (c) => '\\' + c);
  const time = new Date().toISOString();
  const msgid = 'ALERT';
  const data = `[exfilwatch@32473 id="${sd(a.id)}" rule="${sd(a.ruleId)}" severity="${sd(a.severity)}" time="${sd(a.time)}"]`;
  return `<${pri}>1 ${time} ${host || '-'} exfilwatch ${process.pid} ${msgid} ${data} ${jsonText(a)}`;
}

export async function syslogSink(target: string, protocol: 'udp' | 'tcp'): Promise<Sink> {
  const m = /^(.*):(\d+)$/.exec(target);
  if (!m) throw new Error(`--syslog expects HOST:PORT, got '${target}'`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (protocol === 'udp') {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    return {
      name: `syslog:udp:${target}`,
      async deliver(alerts) {
        for (const a of alerts) {
          const msg = Buffer.from(syslogMessage(a));
          await new Promise<void>((resolve, reject) => sock.send(msg, port, host, (e) => (e ? reject(e) : resolve())));
        }
      },
      async close() { sock.close(); },
    };
  }
  let sock: Socket | undefined;
  const open = () => new Promise<Socket>((resolve, reject) => {
    const s = connect(port, host, () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
    s.on('close', () => { if (sock === s) sock = undefined; });
  });
  return {
    name: `syslog:tcp:${target}`,
    async deliver(alerts) {
      if (!alerts.length) return;
      sock ??= await open();
      sock.on('error', () => undefined);
      const text = alerts.map((a) => { const b = Buffer.from(syslogMessage(a)); return `${b.length} ${b.toString()}`; }).join('');
      await new Promise<void>((resolve, reject) => sock!.write(text, (e) => (e ? reject(e) : resolve())));
    },
    async close() { sock?.end(); },
  };
}
