/**
 * A scan thread's first blocks run before the JIT has compiled the scanner: slow. A worker thread
 * is started ahead of a large scan (parallel.ts) and would wait idle meanwhile, so it scans some
 * made-up Defender lines with tests of the usual shapes first, and its real blocks find the
 * scanner compiled, and its block buffer's pages in memory. Nothing else of it is kept; it
 * costs the worker some 20 ms of a wait.
 */
import { lcg } from '../seeded-random.js';
import { WARM_UP_TESTS } from '../warm-up-tests.js';
import { BlockScanner } from './lines.js';
import { nativeEnabled } from '../native-addon.js';

function lines(n: number): Buffer {
  const out: string[] = [];
  const r = lcg(7);
  for (let i = 0; i < n; i++) {
    const t = `2026-11-0${1 + (i % 3)}T${String(i % 24).padStart(2, '0')}:00:00.${String(i).padStart(7, '0')}Z`;
    out.push(JSON.stringify({
      Timestamp: t, DeviceId: 'a'.repeat(40), DeviceName: `ws-${i % 50}.corp.example`, ActionType: r() < 0.5 ? 'ConnectionSuccess' : 'ProcessCreated',
      RemoteIP: `203.0.113.${i % 250}`, RemotePort: r() < 0.7 ? 443 : 80, RemoteIPType: r() < 0.8 ? 'Public' : 'Private',
      FileName: r() < 0.1 ? 'rclone.exe' : 'svchost.exe', FolderPath: 'c:\\windows\\system32\\svchost.exe',
      ProcessCommandLine: `svchost.exe -k netsvcs -p -s ${i}`, InitiatingProcessFileName: r() < 0.1 ? 'curl.exe' : 'chrome.exe',
      InitiatingProcessCommandLine: `"chrome.exe" --type=utility --field-trial-handle=${i} --lang=en-US`, ReportId: 9007199254740993 + i,
      AdditionalFields: r() < 0.3 ? JSON.stringify({ direction: 'Out', count: i }) : '', SentBytes: r() < 0.5 ? null : i, ReceivedBytes: i,
    }));
  }
  return Buffer.from(out.join('\n') + '\n');
}


export function warmUp(ms = 25): void {
  if (nativeEnabled()) {
    // The native pre-test needs no warming, and the scanner's JavaScript sees few lines: only the
    // block buffer's pages are touched.
    const s = new BlockScanner(Buffer.alloc(0), 0, [undefined]);
    s.prefault();
    s.dispose();
    return;
  }
  const data = lines(1500);
  const stop = performance.now() + ms;
  let s: BlockScanner | undefined;
  while (performance.now() < stop) {
    s?.dispose();
    s = new BlockScanner(data, data.length, WARM_UP_TESTS, 64 << 10);
    for (let k = 0; k < s.blocks; k++) s.scan(k);
  }
  s?.prefault();
  s?.dispose();
}
