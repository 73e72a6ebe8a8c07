/**
 * Rules into the forms that deploy them where a fleet outgrows one machine: a Microsoft Sentinel
 * analytic rule (the YAML of the Azure-Sentinel repository), an ARM template of Sentinel scheduled
 * alert rules (Microsoft.OperationalInsights/workspaces/providers/alertRules), and a Microsoft
 * Defender XDR custom detection (the Graph `detectionRule` body). Pure functions: rule in, document
 * out. The query always goes over verbatim; our own fields (confidence, false positives,
 * references, data sources) go into the description.
 */
import { createHash } from 'node:crypto';
import { Document, isMap, isScalar, Scalar } from 'yaml';
import type { EntityMapping, Rule } from './rule.js';

export type ExportTarget = 'sentinel' | 'arm' | 'defender';
export const EXPORT_TARGETS: ExportTarget[] = ['sentinel', 'arm', 'defender'];

/** The namespace of exfilwatch rule GUIDs (a fixed UUID; the name hashed in it is the rule id). */
const RULE_NAMESPACE = 'b5f3c0de-7e1a-5c2f-9a4d-0e3f1c2b6a10';

/** A UUID version 5 (RFC 9562: SHA-1 of namespace and name) of the rule id: the same id, the same GUID. */
export function ruleGuid(ruleId: string): string {
  const ns = Buffer.from(RULE_NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(ruleId, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The description, with what Sentinel and Defender have no field for. */
export function exportDescription(rule: Rule): string {
  const parts = [rule.description.trim()];
  parts.push(`Confidence: ${rule.confidence}.`);
  if (rule.falsePositives.length) parts.push('False positives:\n' + rule.falsePositives.map((f) => `- ${f}`).join('\n'));
  if (rule.dataSources.length) parts.push(`Data sources: ${rule.dataSources.join('; ')}.`);
  if (rule.references.length) parts.push('References:\n' + rule.references.map((r) => `- ${r}`).join('\n'));
  parts.push(`exfilwatch rule ${rule.id}${rule.version ? ` version ${rule.version}` : ''}.`);
  return parts.filter(Boolean).join('\n\n');
}

/** The Sentinel analytic rule as an object, fields in the Azure-Sentinel repository's order. */
export function sentinelRule(rule: Rule): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: ruleGuid(rule.id),
    name: rule.name,
    description: exportDescription(rule),
    severity: rule.severity,
    requiredDataConnectors: [{ connectorId: 'MicrosoftThreatProtection', dataTypes: [...rule.requiredTables] }],
    queryFrequency: rule.queryFrequency,
    queryPeriod: rule.queryPeriod,
    triggerOperator: rule.triggerOperator,
    triggerThreshold: rule.triggerThreshold,
    tactics: [...rule.tactics],
    relevantTechniques: [...rule.relevantTechniques],
    query: rule.query,
  };
  if (rule.entityMappings.length) out.entityMappings = entityMappings(rule.entityMappings);
  if (Object.keys(rule.customDetails).length) out.customDetails = { ...rule.customDetails };
  out.eventGroupingSettings = { aggregationKind: 'AlertPerResult' };
  out.version = rule.version ?? '1.0.0';
  out.kind = 'Scheduled';
  return out;
}

function entityMappings(ms: EntityMapping[]): EntityMapping[] {
  return ms.map((m) => ({ entityType: m.entityType, fieldMappings: m.fieldMappings.map((f) => ({ identifier: f.identifier, columnName: f.columnName })) }));
}

/** The Sentinel analytic rule YAML. The query and description are literal blocks: they parse back byte for byte. */
export function sentinelYaml(rule: Rule): string {
  const doc = new Document(sentinelRule(rule));
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if ((key === 'query' || key === 'description') && isScalar(pair.value)) pair.value.type = Scalar.BLOCK_LITERAL;
    }
  }
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

/** `1h`, `24h`, `5m`, `14d` (or an ISO 8601 duration already) as ISO 8601: PT1H, PT24H, PT5M, P14D. */
export function isoDuration(span: string): string {
  const s = span.trim();
  if (/^P/i.test(s)) return s.toUpperCase();
  const m = /^(\d+)\s*([smhd])$/i.exec(s);
  if (!m) throw new Error(`cannot write '${span}' as an ISO 8601 duration`);
  const n = m[1]!;
  switch (m[2]!.toLowerCase()) {
    case 's': return `PT${n}S`;
    case 'm': return `PT${n}M`;
    case 'h': return `PT${n}H`;
    default: return `P${n}D`;
  }
}

/** The span in minutes. */
function minutes(span: string): number {
  const iso = isoDuration(span);
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m) throw new Error(`cannot read the duration '${span}'`);
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) + Number(m[4] ?? 0) / 60;
}

const ARM_OPERATORS: Record<Rule['triggerOperator'], string> = { gt: 'GreaterThan', lt: 'LessThan', eq: 'Equal', ne: 'NotEqual' };
export const ARM_API_VERSION = '2023-12-01-preview';

/** One Sentinel scheduled alert rule as an ARM resource of the workspace given by the `workspace` parameter. */
export function armResource(rule: Rule): Record<string, unknown> {
  const guid = ruleGuid(rule.id);
  const techniques = [...new Set(rule.relevantTechniques.map((t) => t.split('.')[0]!))];
  const subTechniques = rule.relevantTechniques.filter((t) => t.includes('.'));
  return {
    type: 'Microsoft.OperationalInsights/workspaces/providers/alertRules',
    apiVersion: ARM_API_VERSION,
    name: `[concat(parameters('workspace'),'/Microsoft.SecurityInsights/','${guid}')]`,
    kind: 'Scheduled',
    properties: {
      displayName: rule.name,
      description: exportDescription(rule),
      severity: rule.severity,
      enabled: true,
      query: rule.query,
      queryFrequency: isoDuration(rule.queryFrequency),
      queryPeriod: isoDuration(rule.queryPeriod),
      triggerOperator: ARM_OPERATORS[rule.triggerOperator],
      triggerThreshold: rule.triggerThreshold,
      suppressionDuration: isoDuration(rule.suppressionDuration),
      suppressionEnabled: rule.suppressionEnabled,
      tactics: [...rule.tactics],
      techniques,
      subTechniques,
      entityMappings: entityMappings(rule.entityMappings),
      customDetails: { ...rule.customDetails },
      eventGroupingSettings: { aggregationKind: 'AlertPerResult' },
      incidentConfiguration: {
        createIncident: true,
        groupingConfiguration: {
          enabled: false, reopenClosedIncident: false, lookbackDuration: 'PT5H', matchingMethod: 'AllEntities',
          groupByEntities: [], groupByAlertDetails: [], groupByCustomDetails: [],
        },
      },
      templateVersion: rule.version ?? '1.0.0',
    },
  };
}

/** An ARM deployment template with the rules as Sentinel alert rules of one workspace. */
export function armTemplate(rules: Rule[]): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      workspace: { type: 'String', metadata: { description: 'The Log Analytics workspace that Microsoft Sentinel runs on' } },
    },
    resources: rules.map(armResource),
  };
}

/** Defender XDR custom detection frequencies (Graph `schedule.period`), in minutes. */
const DEFENDER_PERIODS: [string, number][] = [['1H', 60], ['3H', 180], ['12H', 720], ['24H', 1440]];

/** Defender's period for a queryFrequency: the shortest one not shorter than it (24H at most). */
export function defenderPeriod(queryFrequency: string): string {
  const m = minutes(queryFrequency);
  return (DEFENDER_PERIODS.find(([, p]) => p >= m) ?? DEFENDER_PERIODS[DEFENDER_PERIODS.length - 1]!)[0];
}

const DEVICE_IDENTIFIERS = new Set(['deviceId', 'deviceName', 'remoteDeviceName', 'targetDeviceName', 'destinationDeviceName']);
const USER_IDENTIFIERS = new Set([
  'accountObjectId', 'accountSid', 'accountUpn', 'accountName', 'accountDomain', 'accountId', 'requestAccountSid',
  'requestAccountName', 'requestAccountDomain', 'recipientObjectId', 'processAccountObjectId', 'initiatingAccountSid',
  'initiatingProcessAccountUpn', 'initiatingAccountName', 'initiatingAccountDomain', 'servicePrincipalId', 'servicePrincipalName',
  'targetAccountUpn',
]);
const MAILBOX_IDENTIFIERS = new Set(['recipientEmailAddress', 'senderFromAddress', 'senderMailFromAddress', 'targetMailboxAddress']);
/** Defender column names whose identifier is not their camelCase. */
const COLUMN_IDENTIFIERS: Record<string, string> = {
  InitiatingProcessAccountName: 'initiatingAccountName', InitiatingProcessAccountSid: 'initiatingAccountSid',
  InitiatingProcessAccountDomain: 'initiatingAccountDomain', InitiatingProcessAccountObjectId: 'processAccountObjectId',
};

/** The impacted assets of a Defender alert, from the rule's Host, Account and Mailbox entity mappings. */
export function impactedAssets(rule: Rule): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const add = (type: string, identifier: string) => {
    if (!out.some((a) => a['@odata.type'] === type && a.identifier === identifier)) out.push({ '@odata.type': type, identifier });
  };
  for (const m of rule.entityMappings) {
    for (const f of m.fieldMappings) {
      const id = COLUMN_IDENTIFIERS[f.columnName] ?? f.columnName.charAt(0).toLowerCase() + f.columnName.slice(1);
      const kind = m.entityType.toLowerCase();
      if (kind === 'host' && DEVICE_IDENTIFIERS.has(id)) add('#microsoft.graph.security.impactedDeviceAsset', id);
      else if (kind === 'account' && USER_IDENTIFIERS.has(id)) add('#microsoft.graph.security.impactedUserAsset', id);
      else if (kind === 'mailbox' && MAILBOX_IDENTIFIERS.has(id)) add('#microsoft.graph.security.impactedMailboxAsset', id);
    }
  }
  // Defender's results carry DeviceId; a rule that maps no device still impacts the one it ran on.
  if (!out.some((a) => a['@odata.type'] === '#microsoft.graph.security.impactedDeviceAsset') && /\bDeviceId\b|\bDevice\w*Events\b/.test(rule.query)) {
    out.unshift({ '@odata.type': '#microsoft.graph.security.impactedDeviceAsset', identifier: 'deviceId' });
  }
  return out;
}

/** Defender alert categories that have a tactic's name. */
const DEFENDER_CATEGORIES = new Set([
  'Collection', 'CommandAndControl', 'CredentialAccess', 'DefenseEvasion', 'Discovery', 'Execution', 'Exfiltration',
  'InitialAccess', 'LateralMovement', 'Persistence', 'PrivilegeEscalation', 'Impact',
]);

/** The Defender XDR custom detection rule (Microsoft Graph `detectionRule`). */
export function defenderRule(rule: Rule): Record<string, unknown> {
  const tactic = rule.tactics.map((t) => t.replace(/\s+/g, '')).find((t) => DEFENDER_CATEGORIES.has(t));
  return {
    displayName: rule.name,
    isEnabled: true,
    queryCondition: { queryText: rule.query },
    schedule: { period: defenderPeriod(rule.queryFrequency) },
    detectionAction: {
      alertTemplate: {
        title: rule.name,
        description: exportDescription(rule),
        severity: rule.severity.toLowerCase(),
        category: tactic ?? 'SuspiciousActivity',
        recommendedActions: null,
        mitreTechniques: [...rule.relevantTechniques],
        impactedAssets: impactedAssets(rule),
      },
      organizationalScope: null,
      responseActions: [],
    },
  };
}

/**
 * What will not work as exported (said on stderr; the export is still written). Messages do not
 * name the rule, so a caller can list the rules that share one.
 */
export function exportWarnings(rule: Rule, target: ExportTarget): string[] {
  const w: string[] = [];
  if (/\b(SentBytes|ReceivedBytes)\b/.test(rule.query)) {
    w.push("the query reads exfilwatch's extension byte columns (SentBytes, ReceivedBytes), which Defender's DeviceNetworkEvents lacks: it will not bind there until a source fills them");
  }
  if (/_GetWatchlist\s*\(/.test(rule.query)) {
    w.push(target === 'defender'
      ? 'the query reads watchlists (_GetWatchlist): Defender runs it only with Microsoft Sentinel in the unified portal and the watchlists deployed'
      : "the query reads watchlists (_GetWatchlist): deploy the pack's watchlists (src/content/t1048.002/watchlists/) to the workspace first");
  }
  if (target === 'defender') {
    for (const col of ['Timestamp', 'ReportId']) {
      if (!new RegExp(`\\b${col}\\b`).test(rule.query)) w.push(`Defender custom detections need a ${col} column in the results; the query never names it`);
    }
    if (minutes(rule.queryFrequency) > 1440) w.push("queryFrequency is longer than Defender's longest period (24H)");
  }
  return w;
}
