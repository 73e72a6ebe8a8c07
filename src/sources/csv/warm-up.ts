/**
 * A scan thread's first blocks run before the JIT has compiled the cutter: slow. A worker thread
 * is started ahead of a large scan (parallel.ts) and would wait idle meanwhile, so it cuts some
 * made-up Defender rows with tests of the usual shapes first, and its real blocks find the code
 * compiled and its block buffer's pages in memory.
 */
import { lcg } from '../seeded-random.js';
import { WARM_UP_TESTS } from '../warm-up-tests.js';
import { BlockScanner, type BlockSpec } from './blocks.js';

const HEADER = ['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'RemoteIP', 'RemotePort', 'RemoteIPType', 'FileName',
  'ProcessCommandLine', 'InitiatingProcessFileName', 'InitiatingProcessCommandLine', 'AdditionalFields', 'SentBytes'];

function rows(n: number): Buffer {
  const out = [HEADER.join(',')];
  const r = lcg(7);
  for (let i = 0; i < n; i++) {
    const t = `2026-11-0${1 + (i % 3)}T${String(i % 24).padStart(2, '0')}:00:00.${String(i).padStart(7, '0')}Z`;
    out.push([
      t, 'a'.repeat(40), `ws-${i % 50}.corp.example`, r() < 0.5 ? 'ConnectionSuccess' : 'ProcessCreated', `203.0.113.${i % 250}`,
      r() < 0.7 ? '443' : '80', r() < 0.8 ? 'Public' : 'Private', r() < 0.1 ? 'rclone.exe' : 'svchost.exe', `svchost.exe -k netsvcs -p -s ${i}`,
      r() < 0.1 ? 'curl.exe' : 'chrome.exe', `"""chrome.exe"" --type=utility --field-trial-handle=${i},x"`,
      r() < 0.3 ? `"{""direction"":""Out"",""count"":${i}}"` : '', r() < 0.5 ? '' : String(i),
    ].join(','));
  }
  return Buffer.from(out.join('\r\n') + '\r\n');
}


export function warmUp(ms = 25, blockBytes = 4 << 20): void {
  const data = rows(1500);
  const firstStart = data.indexOf('\r\n') + 2;
  const spec: BlockSpec = { sep: 44, header: HEADER, wanted: [0, 2, 5, 7, 10], tests: WARM_UP_TESTS, self: 0, keeping: true, firstStart };
  const stop = performance.now() + ms;
  while (performance.now() < stop) {
    const s = new BlockScanner(data, data.length, 16 << 10, spec);
    for (let k = 0; k < s.blocks; k++) s.scan(k);
    s.dispose();
  }
  const real = new BlockScanner(data, data.length, blockBytes, spec);
  real.prefault();
  real.dispose();
}
