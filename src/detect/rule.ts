/**
 * A detection rule: the Sentinel analytic-rule YAML shape, plus exfilwatch's own fields
 * (confidence, falsePositives, references, dataSources, requiredTables, legs, reason).
 */

export type Severity = 'Informational' | 'Low' | 'Medium' | 'High';
export type Confidence = 'Low' | 'Medium' | 'High';

export interface EntityMapping {
  entityType: string;
  fieldMappings: { identifier: string; columnName: string }[];
}

/** One part of a rule's query (a `union` leg), recognised by a column only it fills. */
export interface Leg {
  id: string;
  name: string;
  /** The leg fired for a row when this column is non-null and non-empty. */
  column: string;
  /** A readable line with {Column} placeholders. */
  reason?: string;
}

export interface Rule {
  id: string;
  name: string;
  description: string;
  severity: Severity;
  confidence: Confidence;
  tactics: string[];
  relevantTechniques: string[];
  query: string;
  queryFrequency: string;
  queryPeriod: string;
  triggerOperator: 'gt' | 'lt' | 'eq' | 'ne';
  triggerThreshold: number;
  entityMappings: EntityMapping[];
  customDetails: Record<string, string>;
  suppressionEnabled: boolean;
  suppressionDuration: string;
  falsePositives: string[];
  references: string[];
  dataSources: string[];
  requiredTables: string[];
  legs: Leg[];
  /** A readable line with {Column} placeholders, for rows no leg claims. */
  reason?: string;
  version?: string;
  kind: string;
  /** Where it was loaded from, and the query's position in that file (for error positions). */
  source: { file: string; queryLine: number; queryColumn: number; queryIndent: number; queryBlock: boolean };
}

/** The fields a rule file may have; any other is an error (a typo must not silently disable a check). */
export const RULE_FIELDS = new Set([
  'id', 'name', 'description', 'severity', 'confidence', 'tactics', 'relevantTechniques', 'techniques', 'query',
  'queryFrequency', 'queryPeriod', 'triggerOperator', 'triggerThreshold', 'entityMappings', 'customDetails',
  'suppressionEnabled', 'suppressionDuration', 'suppression', 'falsePositives', 'references', 'dataSources',
  'requiredTables', 'legs', 'reason', 'version', 'kind', 'requiredDataConnectors', 'alertDetailsOverride',
  'eventGroupingSettings', 'incidentConfiguration', 'status', 'enabled', 'tags', 'metadata',
]);

export const SEVERITIES: Severity[] = ['Informational', 'Low', 'Medium', 'High'];
export const CONFIDENCES: Confidence[] = ['Low', 'Medium', 'High'];
