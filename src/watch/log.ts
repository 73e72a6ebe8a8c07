/** Structured logs on stderr: `time level msg key=value` lines, or JSON lines with --log-format json. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function makeLogger(format: 'text' | 'json', min: Level = 'info', write: (s: string) => void = (s) => process.stderr.write(s)): Logger {
  return (level, msg, fields = {}) => {
    if (RANK[level] < RANK[min]) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      write(JSON.stringify({ time, level, msg, ...fields }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
      return;
    }
    const kv = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`).join(' ');
    write(`${time} ${level.padEnd(5)} ${msg}${kv ? ' ' + kv : ''}\n`);
  };
}
