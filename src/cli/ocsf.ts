/**
 * OCSF Detection Finding (class 2004, category Findings) for an alert, so SIEMs and data lakes
 * that speak OCSF take exfilwatch alerts as they are.
 */
import type { Alert } from '../detect/index.js';

export const OCSF_VERSION = '1.3.0';
const SEVERITY_ID: Record<Alert['severity'], number> = { Informational: 1, Low: 2, Medium: 3, High: 4 };
const CONFIDENCE_ID: Record<Alert['confidence'], number> = { Low: 1, Medium: 2, High: 3 };

const TACTIC_UIDS: Record<string, string> = {
  Exfiltration: 'TA0010', CommandAndControl: 'TA0011', Collection: 'TA0009', Execution: 'TA0002', Discovery: 'TA0007',
};

export function toOcsf(a: Alert): Record<string, unknown> {
  const time = Date.parse(a.time);
  const e = a.entities;
  const device = e.host ? { hostname: e.host, name: e.host, type_id: 0 } : undefined;
  return {
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
      uid: a.id,
      correlation_uid: a.incidentId,
    },
    finding_info: {
      uid: a.id,
      title: a.ruleName,
      desc: a.detection,
      types: [a.detection],
      analytic: { uid: a.ruleId, name: a.ruleName, type_id: 1, type: 'Rule' },
      attacks: a.techniques.map((t) => ({
        technique: { uid: t, name: t },
        tactic: a.tactics[0] ? { uid: TACTIC_UIDS[a.tactics[0]] ?? a.tactics[0], name: a.tactics[0] } : undefined,
        version: '15',
      })),
    },
    ...(device ? { device } : {}),
    ...(e.account ? { actor: { user: { name: e.account }, ...(e.process ? { process: { name: e.process, cmd_line: e.commandLine } } : {}) } } : {}),
    evidences: [{
      data: a.evidence,
      ...(e.remoteIp ? { dst_endpoint: { ip: e.remoteIp.split(',')[0]!.trim() } } : {}),
      ...(e.remoteUrl ? { url: { url_string: e.remoteUrl } } : {}),
    }],
    unmapped: { notes: a.notes, customDetails: a.customDetails },
  };
}
