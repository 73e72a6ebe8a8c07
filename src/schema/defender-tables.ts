/**
 * Microsoft Defender XDR advanced-hunting tables read by the hunting corpus, with column names,
 * types and order as Microsoft's schema reference documents them.
 *
 * Source, unless a table says otherwise: MicrosoftDocs/defender-docs,
 * defender-xdr/advanced-hunting-<table>-table.md (published as
 * https://learn.microsoft.com/defender-xdr/advanced-hunting-<table>-table).
 * Docs spelling `boolean` is stored as `bool`. `AdditionalFields` is typed per table as its page says
 * (`string` on the Device*, Email* and Alert* pages; `dynamic` on the Identity* and CloudAppEvents pages).
 */
import type { TableDef, ColumnDef } from './types.js';

const TYPES = new Set(['bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic']);

/** Parse `'Name:type, Name, ...'` into columns; a column without `:type` is a string. */
function cols(schema: string): ColumnDef[] {
  return schema.split(',').map((s) => s.trim()).filter((s) => s !== '').map((entry) => {
    const [name = '', type = 'string'] = entry.split(':').map((p) => p.trim());
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || !TYPES.has(type)) {
      throw new Error(`defender-tables: bad column spec '${entry}'`);
    }
    return { name, type: type as ColumnDef['type'] };
  });
}

function table(name: string, schema: string): TableDef {
  return { name, columns: cols(schema) };
}

// Runs of columns that every Device* page lists in the same order.
const IP_VERSION_INFO =
  'InitiatingProcessVersionInfoCompanyName, InitiatingProcessVersionInfoProductName, ' +
  'InitiatingProcessVersionInfoProductVersion, InitiatingProcessVersionInfoInternalFileName, ' +
  'InitiatingProcessVersionInfoOriginalFileName, InitiatingProcessVersionInfoFileDescription';
const IP_REMOTE_SESSION =
  'InitiatingProcessSessionId:long, IsInitiatingProcessRemoteSession:bool, ' +
  'InitiatingProcessRemoteSessionDeviceName, InitiatingProcessRemoteSessionIP';

export const DEFENDER_TABLES: readonly TableDef[] = [
  // 66 documented columns (defender-docs @f1c23ea, 09/2024; same list as shared/notes/mde-schema.md),
  // then ProcessUniqueId and InitiatingProcessUniqueId, which newer pages and the Azure Monitor
  // reference (azure/azure-monitor/reference/tables/deviceprocessevents) document as string.
  table('DeviceProcessEvents', `Timestamp:datetime, DeviceId, DeviceName, ActionType, FileName, FolderPath,
    SHA1, SHA256, MD5, FileSize:long, ProcessVersionInfoCompanyName, ProcessVersionInfoProductName,
    ProcessVersionInfoProductVersion, ProcessVersionInfoInternalFileName, ProcessVersionInfoOriginalFileName,
    ProcessVersionInfoFileDescription, ProcessId:long, ProcessCommandLine, ProcessIntegrityLevel,
    ProcessTokenElevation, ProcessCreationTime:datetime, AccountDomain, AccountName, AccountSid, AccountUpn,
    AccountObjectId, LogonId:long, InitiatingProcessAccountDomain, InitiatingProcessAccountName,
    InitiatingProcessAccountSid, InitiatingProcessAccountUpn, InitiatingProcessAccountObjectId,
    InitiatingProcessLogonId:long, InitiatingProcessIntegrityLevel, InitiatingProcessTokenElevation,
    InitiatingProcessSHA1, InitiatingProcessSHA256, InitiatingProcessMD5, InitiatingProcessFileName,
    InitiatingProcessFileSize:long, ${IP_VERSION_INFO}, InitiatingProcessId:long, InitiatingProcessCommandLine,
    InitiatingProcessCreationTime:datetime, InitiatingProcessFolderPath, InitiatingProcessParentId:long,
    InitiatingProcessParentFileName, InitiatingProcessParentCreationTime:datetime, InitiatingProcessSignerType,
    InitiatingProcessSignatureStatus, ReportId:long, AppGuardContainerId, AdditionalFields, ${IP_REMOTE_SESSION},
    CreatedProcessSessionId:long, IsProcessRemoteSession:bool, ProcessRemoteSessionDeviceName,
    ProcessRemoteSessionIP, ProcessUniqueId, InitiatingProcessUniqueId`),

  // defender-docs @f1acaf2 (09/2024).
  table('DeviceFileEvents', `Timestamp:datetime, DeviceId, DeviceName, ActionType, FileName, FolderPath,
    SHA1, SHA256, MD5, FileOriginUrl, FileOriginReferrerUrl, FileOriginIP, PreviousFolderPath, PreviousFileName,
    FileSize:long, InitiatingProcessAccountDomain, InitiatingProcessAccountName, InitiatingProcessAccountSid,
    InitiatingProcessAccountUpn, InitiatingProcessAccountObjectId, InitiatingProcessMD5, InitiatingProcessSHA1,
    InitiatingProcessSHA256, InitiatingProcessFolderPath, InitiatingProcessFileName, InitiatingProcessFileSize:long,
    ${IP_VERSION_INFO}, InitiatingProcessId:long, InitiatingProcessCommandLine,
    InitiatingProcessCreationTime:datetime, InitiatingProcessIntegrityLevel, InitiatingProcessTokenElevation,
    InitiatingProcessParentId:long, InitiatingProcessParentFileName, InitiatingProcessParentCreationTime:datetime,
    RequestProtocol, RequestSourceIP, RequestSourcePort:int, RequestAccountName, RequestAccountDomain,
    RequestAccountSid, ShareName, SensitivityLabel, SensitivitySubLabel, IsAzureInfoProtectionApplied:bool,
    ReportId:long, AppGuardContainerId, AdditionalFields, ${IP_REMOTE_SESSION}`),

  // defender-docs @006b8a9 (09/2024); same 44 columns as shared/notes/mde-schema.md.
  table('DeviceNetworkEvents', `Timestamp:datetime, DeviceId, DeviceName, ActionType, RemoteIP, RemotePort:int,
    RemoteUrl, LocalIP, LocalPort:int, Protocol, LocalIPType, RemoteIPType, InitiatingProcessSHA1,
    InitiatingProcessSHA256, InitiatingProcessMD5, InitiatingProcessFileName, InitiatingProcessFileSize:long,
    ${IP_VERSION_INFO}, InitiatingProcessId:long, InitiatingProcessCommandLine,
    InitiatingProcessCreationTime:datetime, InitiatingProcessFolderPath, InitiatingProcessParentFileName,
    InitiatingProcessParentId:long, InitiatingProcessParentCreationTime:datetime, InitiatingProcessAccountDomain,
    InitiatingProcessAccountName, InitiatingProcessAccountSid, InitiatingProcessAccountUpn,
    InitiatingProcessAccountObjectId, InitiatingProcessIntegrityLevel, InitiatingProcessTokenElevation,
    ReportId:long, AppGuardContainerId, AdditionalFields, ${IP_REMOTE_SESSION}`),

  // defender-docs @006b8a9 (09/2024). The page types AdditionalFields as string (Sentinel's copy: dynamic).
  table('DeviceEvents', `Timestamp:datetime, DeviceId, DeviceName, ActionType, FileName, FolderPath, SHA1,
    SHA256, MD5, FileSize:long, AccountDomain, AccountName, AccountSid, RemoteUrl, RemoteDeviceName,
    ProcessId:long, ProcessCommandLine, ProcessCreationTime:datetime, ProcessTokenElevation, LogonId:long,
    RegistryKey, RegistryValueName, RegistryValueData, RemoteIP, RemotePort:int, LocalIP, LocalPort:int,
    FileOriginUrl, FileOriginIP, InitiatingProcessSHA1, InitiatingProcessSHA256, InitiatingProcessMD5,
    InitiatingProcessFileName, InitiatingProcessFileSize:long, InitiatingProcessFolderPath,
    InitiatingProcessId:long, InitiatingProcessCommandLine, InitiatingProcessCreationTime:datetime,
    InitiatingProcessAccountDomain, InitiatingProcessAccountName, InitiatingProcessAccountSid,
    InitiatingProcessAccountUpn, InitiatingProcessAccountObjectId, ${IP_VERSION_INFO},
    InitiatingProcessParentId:long, InitiatingProcessParentFileName, InitiatingProcessParentCreationTime:datetime,
    InitiatingProcessLogonId:long, ReportId:long, AppGuardContainerId, AdditionalFields, ${IP_REMOTE_SESSION},
    CreatedProcessSessionId:long, IsProcessRemoteSession:bool, ProcessRemoteSessionDeviceName,
    ProcessRemoteSessionIP`),

  // defender-docs @006b8a9 (01/2024). ReportId is string on the email pages.
  table('EmailEvents', `Timestamp:datetime, NetworkMessageId, InternetMessageId, SenderMailFromAddress,
    SenderFromAddress, SenderDisplayName, SenderObjectId, SenderMailFromDomain, SenderFromDomain, SenderIPv4,
    SenderIPv6, RecipientEmailAddress, RecipientObjectId, Subject, EmailClusterId:long, EmailDirection,
    DeliveryAction, DeliveryLocation, ThreatTypes, ThreatNames, DetectionMethods, ConfidenceLevel,
    BulkComplaintLevel:int, EmailAction, EmailActionPolicy, EmailActionPolicyGuid, AuthenticationDetails,
    AttachmentCount:int, UrlCount:int, EmailLanguage, Connectors, OrgLevelAction, OrgLevelPolicy, UserLevelAction,
    UserLevelPolicy, ReportId, AdditionalFields, LatestDeliveryLocation, LatestDeliveryAction`),

  // defender-docs @10ed211 (03/2025).
  table('AlertEvidence', `Timestamp:datetime, AlertId, Title, Categories, AttackTechniques, ServiceSource,
    DetectionSource, EntityType, EvidenceRole, EvidenceDirection, FileName, FolderPath, SHA1, SHA256,
    FileSize:long, ThreatFamily, RemoteIP, RemoteUrl, AccountName, AccountDomain, AccountSid, AccountObjectId,
    AccountUpn, DeviceId, DeviceName, LocalIP, NetworkMessageId, EmailSubject, Application, ApplicationId:int,
    OAuthApplicationId, ProcessCommandLine, RegistryKey, RegistryValueName, RegistryValueData, AdditionalFields,
    Severity, CloudResource, CloudPlatform, ResourceType, ResourceID, SubscriptionId`),

  // defender-docs @006b8a9 (04/2024).
  table('AlertInfo', `Timestamp:datetime, AlertId, Title, Category, Severity, ServiceSource, DetectionSource,
    AttackTechniques`),

  // defender-docs @3970dd3 (09/2024).
  table('DeviceLogonEvents', `Timestamp:datetime, DeviceId, DeviceName, ActionType, LogonType, AccountDomain,
    AccountName, AccountSid, Protocol, FailureReason, IsLocalAdmin:bool, LogonId:long, RemoteDeviceName, RemoteIP,
    RemoteIPType, RemotePort:int, InitiatingProcessAccountDomain, InitiatingProcessAccountName,
    InitiatingProcessAccountSid, InitiatingProcessAccountUpn, InitiatingProcessAccountObjectId,
    InitiatingProcessIntegrityLevel, InitiatingProcessTokenElevation, InitiatingProcessSHA1,
    InitiatingProcessSHA256, InitiatingProcessMD5, InitiatingProcessFileName, InitiatingProcessFileSize:long,
    ${IP_VERSION_INFO}, InitiatingProcessId:long, InitiatingProcessCommandLine,
    InitiatingProcessCreationTime:datetime, InitiatingProcessFolderPath, InitiatingProcessParentId:long,
    InitiatingProcessParentFileName, InitiatingProcessParentCreationTime:datetime, ReportId:long,
    AppGuardContainerId, AdditionalFields, ${IP_REMOTE_SESSION}`),

  // defender-docs @12e2682 (03/2025).
  table('CloudAppEvents', `Timestamp:datetime, ActionType, Application, ApplicationId:int, AppInstanceId:int,
    AccountObjectId, AccountId, AccountDisplayName, IsAdminOperation:bool, DeviceType, OSPlatform, IPAddress,
    IsAnonymousProxy:bool, CountryCode, City, Isp, UserAgent, ActivityType, ActivityObjects:dynamic, ObjectName,
    ObjectType, ObjectId, ReportId, AccountType, IsExternalUser:bool, IsImpersonated:bool, IPTags:dynamic,
    IPCategory, UserAgentTags:dynamic, RawEventData:dynamic, AdditionalFields:dynamic, LastSeenForUser:dynamic,
    UncommonForUser:dynamic, AuditSource, SessionData:dynamic, OAuthAppId`),

  // defender-docs @f1c23ea (12/2024).
  table('DeviceInfo', `Timestamp:datetime, DeviceId, DeviceName, ClientVersion, PublicIP, OSArchitecture,
    OSPlatform, OSBuild:long, IsAzureADJoined:bool, JoinType, AadDeviceId, LoggedOnUsers, RegistryDeviceTag,
    OSVersion, MachineGroup, ReportId:long, OnboardingStatus, AdditionalFields, DeviceCategory, DeviceType,
    DeviceSubtype, Model, Vendor, OSDistribution, OSVersionInfo, MergedDeviceIds, MergedToDeviceId,
    IsInternetFacing:bool, SensorHealthState, IsExcluded:bool, ExclusionReason, ExposureLevel, AssetValue,
    DeviceManualTags, DeviceDynamicTags, ConnectivityType, HostDeviceId, AzureResourceId, AwsResourceName,
    GcpFullResourceName`),

  // defender-docs @006b8a9 (12/2023).
  table('EmailAttachmentInfo', `Timestamp:datetime, NetworkMessageId, SenderFromAddress, SenderDisplayName,
    SenderObjectId, RecipientEmailAddress, RecipientObjectId, FileName, FileType, SHA256, FileSize:long,
    ThreatTypes, ThreatNames, DetectionMethods, ReportId`),

  // defender-docs @f1c23ea (02/2024).
  table('IdentityLogonEvents', `Timestamp:datetime, ActionType, Application, LogonType, Protocol, FailureReason,
    AccountName, AccountDomain, AccountUpn, AccountSid, AccountObjectId, AccountDisplayName, DeviceName,
    DeviceType, OSPlatform, IPAddress, Port:int, DestinationDeviceName, DestinationIPAddress, DestinationPort:int,
    TargetDeviceName, TargetAccountDisplayName, Location, Isp, ReportId, AdditionalFields:dynamic`),

  // defender-docs @006b8a9 (01/2024).
  table('DeviceNetworkInfo', `Timestamp:datetime, DeviceId, DeviceName, NetworkAdapterName, MacAddress,
    NetworkAdapterType, NetworkAdapterStatus, TunnelType, ConnectedNetworks, DnsAddresses, IPv4Dhcp, IPv6Dhcp,
    DefaultGateways, IPAddresses, ReportId:long, NetworkAdapterVendor`),

  // defender-docs @0ad90e3 (12/2025), the unified Defender/Sentinel IdentityInfo schema; some columns
  // are filled only with Defender for Identity or Sentinel UEBA.
  table('IdentityInfo', `Timestamp:datetime, ReportId, AccountObjectId, AccountUpn, OnPremSid,
    AccountDisplayName, AccountName, AccountDomain, CriticalityLevel:int, Type, DistinguishedName, CloudSid,
    GivenName, Surname, Department, JobTitle, EmailAddress, SipProxyAddress, Address, City, Country,
    IsAccountEnabled:bool, Manager, Phone, CreatedDateTime:datetime, ChangeSource, BlastRadius, CompanyName,
    DeletedDateTime:datetime, EmployeeId, OtherMailAddresses:dynamic, RiskLevel, RiskLevelDetails, State,
    Tags:dynamic, AssignedRoles:dynamic, PrivilegedEntraPimRoles:dynamic, TenantId, SourceSystem, OnPremObjectId,
    TenantMembershipType, RiskStatus, UserAccountControl, IdentityEnvironment, SourceProviders:dynamic,
    GroupMembership:dynamic`),

  // defender-docs @006b8a9 (09/2024). No AdditionalFields column on this page.
  table('DeviceRegistryEvents', `Timestamp:datetime, DeviceId, DeviceName, ActionType, RegistryKey,
    RegistryValueType, RegistryValueName, RegistryValueData, PreviousRegistryKey, PreviousRegistryValueName,
    PreviousRegistryValueData, InitiatingProcessAccountDomain, InitiatingProcessAccountName,
    InitiatingProcessAccountSid, InitiatingProcessAccountUpn, InitiatingProcessAccountObjectId,
    InitiatingProcessSHA1, InitiatingProcessSHA256, InitiatingProcessMD5, InitiatingProcessFileName,
    InitiatingProcessFileSize:long, ${IP_VERSION_INFO}, InitiatingProcessId:long, InitiatingProcessCommandLine,
    InitiatingProcessCreationTime:datetime, InitiatingProcessFolderPath, InitiatingProcessParentId:long,
    InitiatingProcessParentFileName, InitiatingProcessParentCreationTime:datetime, InitiatingProcessIntegrityLevel,
    InitiatingProcessTokenElevation, ReportId:long, AppGuardContainerId, ${IP_REMOTE_SESSION}`),

  // defender-docs @deb58fc (09/2024). No AdditionalFields column on this page.
  table('DeviceImageLoadEvents', `Timestamp:datetime, DeviceId, DeviceName, ActionType, FileName, FolderPath,
    SHA1, SHA256, MD5, FileSize:long, InitiatingProcessAccountDomain, InitiatingProcessAccountName,
    InitiatingProcessAccountSid, InitiatingProcessAccountUpn, InitiatingProcessAccountObjectId,
    InitiatingProcessIntegrityLevel, InitiatingProcessTokenElevation, InitiatingProcessSHA1,
    InitiatingProcessSHA256, InitiatingProcessMD5, InitiatingProcessFileName, InitiatingProcessFileSize:long,
    ${IP_VERSION_INFO}, InitiatingProcessId:long, InitiatingProcessCommandLine,
    InitiatingProcessCreationTime:datetime, InitiatingProcessFolderPath, InitiatingProcessParentId:long,
    InitiatingProcessParentFileName, InitiatingProcessParentCreationTime:datetime, ReportId:long,
    AppGuardContainerId, ${IP_REMOTE_SESSION}`),

  // defender-docs @f1c23ea (01/2024). The page spells the column ISP here (Isp elsewhere).
  table('IdentityDirectoryEvents', `Timestamp:datetime, ActionType, Application, TargetAccountUpn,
    TargetAccountDisplayName, TargetDeviceName, DestinationDeviceName, DestinationIPAddress, DestinationPort:int,
    Protocol, AccountName, AccountDomain, AccountUpn, AccountSid, AccountObjectId, AccountDisplayName, DeviceName,
    IPAddress, Port:int, Location, ISP, ReportId, AdditionalFields:dynamic`),

  // defender-docs @f1c23ea (01/2024).
  table('EmailUrlInfo', `Timestamp:datetime, NetworkMessageId, Url, UrlDomain, UrlLocation, ReportId`),

  // defender-docs @006b8a9 (01/2024).
  table('IdentityQueryEvents', `Timestamp:datetime, ActionType, Application, QueryType, QueryTarget, Query,
    Protocol, AccountName, AccountDomain, AccountUpn, AccountSid, AccountObjectId, AccountDisplayName, DeviceName,
    IPAddress, Port:int, DestinationDeviceName, DestinationIPAddress, DestinationPort:int, TargetDeviceName,
    TargetAccountUpn, TargetAccountDisplayName, Location, ReportId, AdditionalFields:dynamic`),

  // defender-docs @8508185 (01/2024).
  table('DeviceTvmSecureConfigurationAssessment', `DeviceId, DeviceName, OSPlatform, Timestamp:datetime,
    ConfigurationId, ConfigurationCategory, ConfigurationSubcategory, ConfigurationImpact:real, IsCompliant:bool,
    IsApplicable:bool, Context:dynamic, IsExpectedUserImpact:bool`),

  // defender-docs @006b8a9 (01/2024).
  table('EmailPostDeliveryEvents', `Timestamp:datetime, NetworkMessageId, InternetMessageId, Action, ActionType,
    ActionTrigger, ActionResult, RecipientEmailAddress, DeliveryLocation, ThreatTypes, DetectionMethods,
    ReportId`),

  // defender-docs @006b8a9 (01/2024).
  table('DeviceFileCertificateInfo', `Timestamp:datetime, DeviceId, DeviceName, SHA1, IsSigned:bool,
    SignatureType, Signer, SignerHash, Issuer, IssuerHash, CertificateSerialNumber, CrlDistributionPointUrls,
    CertificateCreationTime:datetime, CertificateExpirationTime:datetime,
    CertificateCountersignatureTime:datetime, IsTrusted:bool, IsRootSignerMicrosoft:bool, ReportId:long`),

  // defender-docs @f1c23ea (01/2024). No Timestamp column on this page.
  table('DeviceTvmSoftwareVulnerabilities', `DeviceId, DeviceName, OSPlatform, OSVersion, OSArchitecture,
    SoftwareVendor, SoftwareName, SoftwareVersion, CveId, VulnerabilitySeverityLevel, RecommendedSecurityUpdate,
    RecommendedSecurityUpdateId, CveTags:dynamic`),

  // defender-docs @f1c23ea (04/2024). Beta table; Microsoft moves it to EntraIdSignInEvents.
  table('AADSignInEventsBeta', `Timestamp:datetime, Application, ApplicationId, LogonType, ErrorCode:int,
    CorrelationId, SessionId, AccountDisplayName, AccountObjectId, AccountUpn, IsExternalUser:int,
    IsGuestUser:bool, AlternateSignInName, LastPasswordChangeTimestamp:datetime, ResourceDisplayName, ResourceId,
    ResourceTenantId, DeviceName, AadDeviceId, OSPlatform, DeviceTrustType, IsManaged:int, IsCompliant:int,
    AuthenticationProcessingDetails, AuthenticationRequirement, TokenIssuerType:int, RiskLevelAggregated:int,
    RiskDetails:int, RiskState:int, UserAgent, ClientAppUsed, Browser, ConditionalAccessPolicies,
    ConditionalAccessStatus:int, IPAddress, Country, State, City, Latitude, Longitude, NetworkLocationDetails,
    RequestId, ReportId, EndpointCall`),

  // columns from MicrosoftDocs/microsoft-365-docs,
  // microsoft-365/security/defender-endpoint/advanced-hunting-devicealertevents-table.md (page dated
  // 01/2020): a retired Defender for Endpoint table (replaced by AlertInfo + AlertEvidence) that has no
  // defender-xdr page; old queries still name it.
  table('DeviceAlertEvents', `AlertId, Timestamp:datetime, DeviceId, DeviceName, Severity, Category, Title,
    FileName, SHA1, RemoteUrl, RemoteIP, AttackTechniques, ReportId:long, Table`),
];

export const DEFENDER_TABLE_NAMES: readonly string[] = DEFENDER_TABLES.map((t) => t.name);
