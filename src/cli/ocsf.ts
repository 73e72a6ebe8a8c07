/**
 * OCSF Detection Finding (class 2004, category Findings, OCSF 1.3.0) for an alert, so SIEMs and
 * data lakes that speak OCSF take exfilwatch alerts as they are. Valid against the schema compiled
 * from the OCSF repository (test/fixtures/ocsf/): attributes with no value are left out (OCSF has
 * no nulls for objects), a process is given only with its pid, a hostname or IP only when it is one.
 */
import { isIP } from 'node:net';
import type { Alert } from '../detect/index.js';

export const OCSF_VERSION = '1.3.0';
const SEVERITY_ID: Record<Alert['severity'], number> = { Informational: 1, Low: 2, Medium: 3, High: 4 };
const CONFIDENCE_ID: Record<Alert['confidence'], number> = { Low: 1, Medium: 2, High: 3 };

const TACTIC_UIDS: Record<string, string> = {
  Exfiltration: 'TA0010', CommandAndControl: 'TA0011', Collection: 'TA0009', Execution: 'TA0002', Discovery: 'TA0007',
  DefenseEvasion: 'TA0005', CredentialAccess: 'TA0006', LateralMovement: 'TA0008', Persistence: 'TA0003',
  PrivilegeEscalation: 'TA0004', InitialAccess: 'TA0001', Impact: 'TA0040', Reconnaissance: 'TA0043', ResourceDevelopment: 'TA0042',
};
/** ATT&CK names of the techniques the pack uses. */
const TECHNIQUE_NAMES: Record<string, string> = {
  T1048: 'Exfiltration Over Alternative Protocol',
  'T1048.002': 'Exfiltration Over Asymmetric Encrypted Non-C2 Protocol',
  'T1048.003': 'Exfiltration Over Unencrypted Non-C2 Protocol',
  T1567: 'Exfiltration Over Web Service',
  'T1567.002': 'Exfiltration to Cloud Storage',
  T1041: 'Exfiltration Over C2 Channel',
  T1020: 'Automated Exfiltration',
  T1105: 'Ingress Tool Transfer',
  T1036: 'Masquerading',
  'T1036.003': 'Rename System Utilities',
  T1059: 'Command and Scripting Interpreter',
  'T1059.001': 'PowerShell',
};
const HOSTNAME = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const INT32_MAX = 2147483647;

/** Leaves out undefined and null attributes, and objects left empty (OCSF omits what it does not know). */
function compact<T>(v: T): T {
  if (Array.isArray(v)) return v.map(compact) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || x === null) continue;
      const c = compact(x);
      if (c && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue;
      out[k] = c;
    }
    return out as T;
  }
  return v;
}

function attack(technique: string, tactic: string | undefined): Record<string, unknown> {
  const parent = technique.split('.')[0]!;
  const named = (uid: string) => ({ uid, name: TECHNIQUE_NAMES[uid] });
  return {
    technique: named(parent),
    sub_technique: parent !== technique ? named(technique) : undefined,
    tactic: tactic ? { uid: TACTIC_UIDS[tactic.replace(/\s+/g, '')] ?? tactic, name: tactic } : undefined,
    version: '15',
  };
}

function pid(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : typeof v === 'number' || typeof v === 'bigint' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= INT32_MAX ? n : undefined;
}

export function toOcsf(a: Alert): Record<string, unknown> {
  const time = Date.parse(a.time);
  const e = a.entities;
  const ip = e.remoteIp?.split(',').map((s) => s.trim()).find((s) => isIP(s));
  const processId = pid(e.processId ?? a.evidence.ProcessId ?? a.evidence.InitiatingProcessId);
  const device = e.host
    ? { name: e.host, hostname: HOSTNAME.test(e.host) ? e.host : undefined, type_id: 0, type: 'Unknown' }
    : undefined;
  // OCSF's process needs its pid (or uid): without one the process is named in the evidence data only.
  const process = e.process && processId !== undefined ? { name: e.process, pid: processId, cmd_line: e.commandLine } : undefined;
  const user = e.account ? { name: e.account } : undefined;
  const actor = user || process ? { user, process } : undefined;
  const finding = compact({
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    severity_id: SEVERITY_ID[a.severity],
    severity: a.severity,
    confidence_id: CONFIDENCE_ID[a.confidence],
    confidence: a.confidence,
    status_id: 1,
    status: 'New',
    time: Number.isNaN(time) ? 0 : time,
    message: a.reason,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'exfilwatch', vendor_name: 'exfilwatch' },
      // device and actor come with the Host profile.
      profiles: device || actor ? ['host'] : undefined,
      uid: a.id,
      correlation_uid: a.incidentId,
    },
    finding_info: {
      uid: a.id,
      title: a.ruleName,
      desc: a.detection,
      types: [a.detection],
      analytic: { uid: a.ruleId, name: a.ruleName, type_id: 1, type: 'Rule' },
      attacks: a.techniques.map((t) => attack(t, a.tactics[0])),
    },
    device,
    actor,
    evidences: [{
      data: undefined as unknown,
      dst_endpoint: ip ? { ip } : undefined,
      url: e.remoteUrl ? { url_string: e.remoteUrl } : undefined,
    }],
    unmapped: { notes: a.notes.length ? a.notes : undefined, customDetails: a.customDetails, incidentId: a.incidentId },
  });
  // The evidence row as it is, nulls included (OCSF's json_t takes any JSON).
  finding.evidences[0]!.data = a.evidence;
  return finding;
}
