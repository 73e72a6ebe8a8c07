/**
 * Sysmon events onto Defender tables, as data. Each mapping names the events it takes (`when`),
 * the table, and its columns: `to` a Defender column (or several, for a transform that yields
 * several values), `from` a source field (or alternatives, first non-empty wins), `via` named
 * transforms (`transforms.ts`, applied in order), or a constant `value`.
 *
 * Source fields: a bare name is an EventData field (`Image`); `System.X` is a System field
 * (`System.Computer`, `System.EventRecordID`, `System.TimeCreated`); `process.X` and `parent.X`
 * are fields of the ProcessCreate event (EID 1) of this event's ProcessGuid / ParentProcessGuid,
 * when that event came earlier in the same file (Defender fills InitiatingProcess* columns of
 * every event; Sysmon repeats only Image and ProcessId). A value of `-` (Sysmon's "none") counts
 * as empty.
 *
 * docs/sysmon-mapping.md is the readable form of this file; `sysmon.test.ts` checks that every
 * `to` is a column of its table, every `via` exists, and no column is written twice.
 */

export interface ColumnRule {
  to: string | string[];
  from?: string | string[];
  via?: string | string[];
  value?: string;
}

export interface SysmonMapping {
  id: string;
  when: { EventID: number };
  table: string;
  columns: ColumnRule[];
  /** AdditionalFields: key → source field; empty values are left out. */
  additional: Record<string, string>;
}

/** An event is Sysmon's (Windows, or Sysmon for Linux) when its provider name, provider GUID or channel says so. */
export const SYSMON_PROVIDERS = ['Microsoft-Windows-Sysmon', 'Linux-Sysmon'];
export const SYSMON_PROVIDER_GUIDS = ['{5770385f-c22a-43e0-bf4c-06f5698ffbd9}', '{ff032593-a8d3-4f13-b0d6-01fc615a0f97}'];
export const SYSMON_CHANNELS = ['Microsoft-Windows-Sysmon/Operational', 'Linux-Sysmon/Operational'];

const DEVICE: ColumnRule[] = [
  { to: 'Timestamp', from: ['UtcTime', 'System.TimeCreated'], via: 'utc_datetime' },
  { to: 'DeviceName', from: 'System.Computer', via: 'lowercase' },
  { to: 'ReportId', from: 'System.EventRecordID' },
];

/** The process that acted (Image, ProcessId), enriched from its ProcessCreate event. */
const ACTOR: ColumnRule[] = [
  { to: 'InitiatingProcessFolderPath', from: 'Image' },
  { to: 'InitiatingProcessFileName', from: 'Image', via: 'basename' },
  { to: 'InitiatingProcessId', from: 'ProcessId' },
  { to: ['InitiatingProcessAccountDomain', 'InitiatingProcessAccountName'], from: ['User', 'process.User'], via: 'split_account' },
  { to: 'InitiatingProcessCommandLine', from: 'process.CommandLine' },
  { to: ['InitiatingProcessSHA1', 'InitiatingProcessMD5', 'InitiatingProcessSHA256'], from: 'process.Hashes', via: 'hashes' },
  { to: 'InitiatingProcessCreationTime', from: 'process.UtcTime', via: 'utc_datetime' },
  { to: 'InitiatingProcessParentId', from: 'process.ParentProcessId' },
  { to: 'InitiatingProcessParentFileName', from: 'process.ParentImage', via: 'basename' },
  { to: 'InitiatingProcessVersionInfoCompanyName', from: 'process.Company' },
  { to: 'InitiatingProcessVersionInfoProductName', from: 'process.Product' },
  { to: 'InitiatingProcessVersionInfoProductVersion', from: 'process.FileVersion' },
  { to: 'InitiatingProcessVersionInfoOriginalFileName', from: 'process.OriginalFileName' },
  { to: 'InitiatingProcessVersionInfoFileDescription', from: 'process.Description' },
];

const ACTOR_INTEGRITY: ColumnRule = { to: 'InitiatingProcessIntegrityLevel', from: 'process.IntegrityLevel' };

export const SYSMON_MAPPINGS: SysmonMapping[] = [
  {
    id: 'sysmon-1-process-create',
    when: { EventID: 1 },
    table: 'DeviceProcessEvents',
    columns: [
      ...DEVICE,
      { to: 'ActionType', value: 'ProcessCreated' },
      { to: 'FolderPath', from: 'Image' },
      { to: 'FileName', from: 'Image', via: 'basename' },
      { to: 'ProcessCommandLine', from: 'CommandLine' },
      { to: 'ProcessId', from: 'ProcessId' },
      { to: 'ProcessCreationTime', from: 'UtcTime', via: 'utc_datetime' },
      { to: 'ProcessIntegrityLevel', from: 'IntegrityLevel' },
      { to: ['SHA1', 'MD5', 'SHA256'], from: 'Hashes', via: 'hashes' },
      { to: 'ProcessVersionInfoCompanyName', from: 'Company' },
      { to: 'ProcessVersionInfoProductName', from: 'Product' },
      { to: 'ProcessVersionInfoProductVersion', from: 'FileVersion' },
      { to: 'ProcessVersionInfoOriginalFileName', from: 'OriginalFileName' },
      { to: 'ProcessVersionInfoFileDescription', from: 'Description' },
      { to: ['AccountDomain', 'AccountName'], from: 'User', via: 'split_account' },
      { to: 'LogonId', from: 'LogonId', via: 'hex_long' },
      { to: 'CreatedProcessSessionId', from: 'TerminalSessionId' },
      { to: 'InitiatingProcessFolderPath', from: 'ParentImage' },
      { to: 'InitiatingProcessFileName', from: 'ParentImage', via: 'basename' },
      { to: 'InitiatingProcessCommandLine', from: 'ParentCommandLine' },
      { to: 'InitiatingProcessId', from: 'ParentProcessId' },
      { to: ['InitiatingProcessAccountDomain', 'InitiatingProcessAccountName'], from: ['ParentUser', 'parent.User'], via: 'split_account' },
      { to: ['InitiatingProcessSHA1', 'InitiatingProcessMD5', 'InitiatingProcessSHA256'], from: 'parent.Hashes', via: 'hashes' },
      { to: 'InitiatingProcessCreationTime', from: 'parent.UtcTime', via: 'utc_datetime' },
      { to: 'InitiatingProcessIntegrityLevel', from: 'parent.IntegrityLevel' },
      { to: 'InitiatingProcessLogonId', from: 'parent.LogonId', via: 'hex_long' },
      { to: 'InitiatingProcessParentId', from: 'parent.ParentProcessId' },
      { to: 'InitiatingProcessParentFileName', from: 'parent.ParentImage', via: 'basename' },
      { to: 'InitiatingProcessVersionInfoCompanyName', from: 'parent.Company' },
      { to: 'InitiatingProcessVersionInfoProductName', from: 'parent.Product' },
      { to: 'InitiatingProcessVersionInfoProductVersion', from: 'parent.FileVersion' },
      { to: 'InitiatingProcessVersionInfoOriginalFileName', from: 'parent.OriginalFileName' },
      { to: 'InitiatingProcessVersionInfoFileDescription', from: 'parent.Description' },
    ],
    additional: {
      ProcessGuid: 'ProcessGuid',
      ParentProcessGuid: 'ParentProcessGuid',
      LogonGuid: 'LogonGuid',
      CurrentDirectory: 'CurrentDirectory',
      RuleName: 'RuleName',
    },
  },
  {
    // Sysmon writes the local socket as Source and the peer as Destination in both directions
    // (inbound TCP on a listening port 9050 has SourcePort 9050); `Initiated` gives the direction.
    id: 'sysmon-3-network-connect',
    when: { EventID: 3 },
    table: 'DeviceNetworkEvents',
    columns: [
      ...DEVICE,
      { to: 'ActionType', from: 'Initiated', via: 'connection_action' },
      { to: 'RemoteIP', from: 'DestinationIp' },
      { to: 'RemotePort', from: 'DestinationPort' },
      { to: 'RemoteUrl', from: 'DestinationHostname' },
      { to: 'RemoteIPType', from: 'DestinationIp', via: 'ip_type' },
      { to: 'LocalIP', from: 'SourceIp' },
      { to: 'LocalPort', from: 'SourcePort' },
      { to: 'LocalIPType', from: 'SourceIp', via: 'ip_type' },
      { to: 'Protocol', from: 'Protocol', via: 'protocol' },
      ...ACTOR,
      ACTOR_INTEGRITY,
    ],
    additional: {
      ProcessGuid: 'ProcessGuid',
      Initiated: 'Initiated',
      SourceHostname: 'SourceHostname',
      SourcePortName: 'SourcePortName',
      DestinationPortName: 'DestinationPortName',
      RuleName: 'RuleName',
    },
  },
  {
    id: 'sysmon-11-file-create',
    when: { EventID: 11 },
    table: 'DeviceFileEvents',
    columns: [
      ...DEVICE,
      { to: 'ActionType', value: 'FileCreated' },
      { to: 'FolderPath', from: 'TargetFilename' },
      { to: 'FileName', from: 'TargetFilename', via: 'basename' },
      ...ACTOR,
      ACTOR_INTEGRITY,
    ],
    additional: {
      ProcessGuid: 'ProcessGuid',
      CreationUtcTime: 'CreationUtcTime',
      RuleName: 'RuleName',
    },
  },
  {
    // Defender reports DNS lookups in DeviceEvents with ActionType DnsQueryResponse and the
    // query and answers in AdditionalFields (DnsQueryString, DnsQueryResult).
    id: 'sysmon-22-dns-query',
    when: { EventID: 22 },
    table: 'DeviceEvents',
    columns: [
      ...DEVICE,
      { to: 'ActionType', value: 'DnsQueryResponse' },
      { to: 'RemoteUrl', from: 'QueryName' },
      ...ACTOR,
    ],
    additional: {
      DnsQueryString: 'QueryName',
      DnsQueryResult: 'QueryResults',
      QueryStatus: 'QueryStatus',
      ProcessGuid: 'ProcessGuid',
      RuleName: 'RuleName',
    },
  },
];
