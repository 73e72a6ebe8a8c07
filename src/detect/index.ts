/** Detection: rules, watchlists, alerts, hunts. */
export type { Alert, Entities, Incident } from './alerts.js';
export { alertRecord, buildAlerts, groupIncidents, INCIDENT_GAP, IncidentGrouper, type OpenIncident, suppress } from './alerts.js';
export type { HuntResult, RuleRun } from './hunt.js';
export { hunt, withWatchlists } from './hunt.js';
export { loadRules, parseRule, placeInRule, ruleFiles } from './load.js';
export type { LoadResult } from './load.js';
export type { Rule, Leg, EntityMapping } from './rule.js';
export { loadWatchlists } from './watchlists.js';
export type { Watchlist } from './watchlists.js';
