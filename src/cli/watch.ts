/** `exfilwatch watch`: flag parsing for continuous detection (src/watch/). */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PACK_RULES, PACK_WATCHLISTS } from '../content/index.js';
import { loadRules, loadWatchlists } from '../detect/index.js';
import { parseTimespan } from '../engine/values/datetime.js';
import { FileSource } from '../watch/file-source.js';
import { pumpStdin, startHttp } from '../watch/http.js';
import { type Level, makeLogger } from '../watch/log.js';
import { fileSink, type Sink, stdoutSink, syslogSink, webhookSink } from '../watch/sinks.js';
import type { WatchSource } from '../watch/source.js';
import { Spool } from '../watch/spool.js';
import { Watcher } from '../watch/watcher.js';
import { NATS_WATCH_FLAGS, NATS_WATCH_USAGE, natsSourceFromFlags } from '../watch/nats/cli.js';
import { formatDiagnostic, reportError } from './main.js';

export const WATCH_USAGE = `usage: exfilwatch watch [PATH...] [--stdin] [--listen HOST:PORT] --state DIR [options]
  sources   PATH...              files or directories of JSON lines, followed (new files, rotation, truncation)
            --stdin              JSON lines on standard input
            --listen HOST:PORT   HTTP: POST /ingest (streaming-API {"records":[...]} or JSON lines), GET /metrics, GET /healthz
            --token T            bearer token for /ingest (or EXFILWATCH_TOKEN); required unless --no-auth
            --max-body BYTES     largest request body (default 16777216)   --max-queued N  events held before 429 (default 200000)
            --request-timeout MS slow clients are cut off (default 30000)   --from start|end  new files (default start)
  rules     --rules PATH  --watchlists DIR  --clock wall|event (default wall)  --lateness TIMESPAN (default 5m)
  sinks     --out FILE (JSON lines, fsync)  --webhook URL  --syslog HOST:PORT  --syslog-protocol udp|tcp  --no-stdout
  running   --state DIR (required)  --checkpoint-interval MS  --log-format text|json  --log-level debug|info|warn|error
            --exit-on-idle MS    stop once all input is read and nothing new came for MS (replays, tests)
${NATS_WATCH_USAGE}`;

export async function watchCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stdin: { type: 'boolean' }, listen: { type: 'string' }, token: { type: 'string' }, 'no-auth': { type: 'boolean' },
        'max-body': { type: 'string' }, 'max-queued': { type: 'string' }, 'request-timeout': { type: 'string' }, from: { type: 'string' },
        rules: { type: 'string', multiple: true }, watchlists: { type: 'string' }, clock: { type: 'string' }, lateness: { type: 'string' },
        out: { type: 'string' }, webhook: { type: 'string' }, syslog: { type: 'string' }, 'syslog-protocol': { type: 'string' }, 'no-stdout': { type: 'boolean' },
        state: { type: 'string' }, 'checkpoint-interval': { type: 'string' }, 'log-format': { type: 'string' }, 'log-level': { type: 'string' },
        'exit-on-idle': { type: 'string' }, poll: { type: 'string' }, 'strict-schema': { type: 'boolean' },
        ...NATS_WATCH_FLAGS,
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${WATCH_USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const usage = (msg: string) => { process.stderr.write(`error: ${msg}\n${WATCH_USAGE}`); return 2; };
  if (!v.state) return usage('watch needs --state DIR (positions and emitted alerts are kept there)');
  if (!positionals.length && !v.stdin && !v.listen && !v.nats) return usage('watch needs a source: PATH..., --stdin, --listen HOST:PORT or --nats URL');
  const token = v.token ?? process.env.EXFILWATCH_TOKEN;
  if (v.listen && !token && !v['no-auth']) return usage('--listen needs --token (or EXFILWATCH_TOKEN); --no-auth turns authentication off');
  const clock = v.clock ?? 'wall';
  if (clock !== 'wall' && clock !== 'event') return usage('--clock must be wall or event');
  const lateness = parseTimespan(v.lateness ?? '5m');
  if (lateness === null) return usage(`--lateness expects a timespan (5m, 30s, 1h), got '${v.lateness}'`);
  const num = (name: string, text: string | undefined, dflt: number) => {
    if (text === undefined) return dflt;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} expects a number, got '${text}'`);
    return n;
  };
  const format = v['log-format'] ?? 'text';
  if (format !== 'text' && format !== 'json') return usage('--log-format must be text or json');
  const log = makeLogger(format, (v['log-level'] ?? 'info') as Level);
  let listen: { host: string; port: number } | undefined;
  if (v.listen) {
    const m = /^(.*):(\d+)$/.exec(v.listen);
    if (!m) return usage(`--listen expects HOST:PORT, got '${v.listen}'`);
    listen = { host: m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) };
  }
  try {
    const stateDir = path.resolve(v.state);
    mkdirSync(stateDir, { recursive: true });
    const loaded = await loadRules(v.rules?.length ? v.rules : [PACK_RULES]);
    for (const d of loaded.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
    const lists = await loadWatchlists(v.watchlists ?? PACK_WATCHLISTS);
    const sources: WatchSource[] = [];
    let malformed = 0;
    const onProblem = (file: string, p: { offset: number; message: string }) => { malformed++; log('warn', 'malformed record skipped', { file, offset: p.offset, problem: p.message }); };
    if (positionals.length) {
      sources.push(new FileSource(positionals.map((p) => path.resolve(p)), {
        pollMs: num('poll', v.poll, 250), from: v.from === 'end' ? 'end' : 'start', onProblem,
        onNotice: (msg, fields) => log('info', msg, fields),
      }));
    }
    let spool: Spool | undefined;
    if (v.stdin || listen) {
      spool = new Spool(path.join(stateDir, 'spool'), { maxQueued: num('max-queued', v['max-queued'], 200_000), onProblem });
      sources.push(spool);
    }
    const nats = await natsSourceFromFlags(v, loaded.rules, lists);
    if (nats) sources.push(nats);
    const sinks: Sink[] = [];
    if (!v['no-stdout']) sinks.push(stdoutSink());
    if (v.out) sinks.push(await fileSink(v.out));
    if (v.webhook) sinks.push(await webhookSink({ url: v.webhook, stateDir, log: (l, m, f) => log(l as Level, m, f) }));
    if (v.syslog) sinks.push(await syslogSink(v.syslog, v['syslog-protocol'] === 'tcp' ? 'tcp' : 'udp'));
    const watcher = new Watcher({
      rules: loaded.rules, watchlists: lists, stateDir, sources, sinks, clock, lateness: Number(lateness),
      checkpointMs: num('checkpoint-interval', v['checkpoint-interval'], 1000), log, strictSchema: v['strict-schema'] ?? false,
      exitOnIdleMs: v['exit-on-idle'] === undefined ? undefined : num('exit-on-idle', v['exit-on-idle'], 0),
    });
    const counters = watcher.counters;
    Object.defineProperty(counters, 'malformed', { get: () => malformed });
    await watcher.start();
    let server: Server | undefined;
    if (listen && spool) {
      server = await startHttp({
        ...listen, token: v['no-auth'] ? undefined : token, maxBodyBytes: num('max-body', v['max-body'], 16 * 1024 * 1024),
        requestTimeoutMs: num('request-timeout', v['request-timeout'], 30_000), spool,
        metrics: () => watcher.metrics(), health: () => watcher.health(),
        onRequest: (status) => counters.http.set(String(status), (counters.http.get(String(status)) ?? 0) + 1),
      });
      const a = server.address();
      log('info', 'listening', { address: typeof a === 'object' && a ? `${a.address}:${a.port}` : String(a), auth: !v['no-auth'] });
    }
    if (v.stdin && spool) {
      void pumpStdin(spool, (p) => { malformed++; log('warn', 'malformed record skipped', { file: 'stdin', line: p.line, problem: p.message }); })
        .then(() => { if (!listen) void watcher.stop(); }, (e: Error) => log('error', 'stdin failed', { error: e.message }));
    }
    const shutdown = (signal: string) => {
      log('info', 'shutting down', { signal });
      server?.close();
      server?.closeAllConnections?.();
      void watcher.stop();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    log('info', 'watching', { rules: loaded.rules.length, sources: sources.map((s) => s.name), clock, state: stateDir });
    await watcher.run();
    server?.close();
    log('info', 'stopped', { alerts: [...counters.alertsOut.values()].reduce((a, b) => a + b, 0) });
    return loaded.errors.length ? 1 : 0;
  } catch (e) {
    if (e instanceof Error && !('diagnostic' in e)) { process.stderr.write(`error: ${e.message}\n`); return 1; }
    return reportError(e, '');
  }
}
