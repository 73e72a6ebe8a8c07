-- The T1048.002 seed rule (src/content/t1048.002/rules/seed.yaml) written by hand in DuckDB SQL,
-- for `npm run bench` (bench/bench.ts). The bench replaces {{DeviceProcessEvents}} and
-- {{DeviceNetworkEvents}} with read_json / read_csv / read_parquet over its files (explicit
-- columns) and {{now}} with the query time, the value exfilwatch gets as --now.
--
-- KQL semantics, spelled out:
-- - `=~` and `in~` compare lower-cased text;
-- - `has` matches on term boundaries: where the needle's first or last character is a letter or
--   digit, the text next to it must not be one ("scp " only needs a boundary before it);
-- - strings are never null in KQL ("" is empty), sum() of no values is 0;
-- - DeviceNetworkEvents.AccountName is exfilwatch's extension column, which falls back to
--   InitiatingProcessAccountName when empty (src/schema/index.ts);
-- - bin(Timestamp, 1h) keeps the column name Timestamp; make_set(RemoteIP, 10) keeps at most 10.
WITH
ExfilToolProcesses AS (
  SELECT Timestamp, DeviceName, AccountName, FileName, ProcessCommandLine,
         InitiatingProcessFileName, InitiatingProcessCommandLine,
         CASE
           WHEN lower(FileName) = 'rclone.exe' THEN 'Rclone'
           WHEN lower(FileName) = 'winscp.exe' THEN 'WinSCP'
           WHEN lower(FileName) = 'pscp.exe' OR lower(FileName) = 'scp.exe' THEN 'SCP'
           WHEN lower(FileName) = 'psftp.exe' OR lower(FileName) = 'sftp.exe' THEN 'SFTP'
           WHEN lower(FileName) = 'filezilla.exe' THEN 'FileZilla'
           WHEN regexp_matches(lower(ProcessCommandLine), '(^|[^\pL\pN])sftp($|[^\pL\pN])') THEN 'SFTP'
           WHEN regexp_matches(lower(ProcessCommandLine), '(^|[^\pL\pN])scp ') THEN 'SCP'
           WHEN regexp_matches(lower(ProcessCommandLine), '(^|[^\pL\pN])rclone($|[^\pL\pN])') THEN 'Rclone'
           ELSE 'Unknown'
         END AS ToolName
  FROM {{DeviceProcessEvents}}
  WHERE Timestamp > {{now}} - INTERVAL 24 HOUR
    AND (lower(FileName) IN ('rclone.exe', 'winscp.exe', 'pscp.exe', 'psftp.exe', 'filezilla.exe', 'sftp.exe', 'scp.exe', 'curl.exe', 'wget.exe')
      OR (lower(FileName) = 'cmd.exe'
          AND regexp_matches(lower(ProcessCommandLine), '(^|[^\pL\pN])((sftp|rclone|winscp)($|[^\pL\pN])|scp )'))
      OR (lower(FileName) = 'powershell.exe'
          AND regexp_matches(lower(ProcessCommandLine), '(^|[^\pL\pN])(sftp|scp|smtps|webdav|ftps|rclone)($|[^\pL\pN])')))
),
ExfilNetworkEvents AS (
  SELECT Timestamp, DeviceName, AccountName, InitiatingProcessFileName, InitiatingProcessCommandLine,
         ConnectionCount, round(CAST(BytesSent AS DOUBLE) / 1048576, 2) AS MBSent, UniqueRemoteIPs, Ports, RemoteIPs
  FROM (
    SELECT date_trunc('hour', Timestamp) AS Timestamp, DeviceName, AccountName,
           InitiatingProcessFileName, InitiatingProcessCommandLine,
           count(*) AS ConnectionCount,
           coalesce(sum(SentBytes), 0) AS BytesSent,
           coalesce(sum(ReceivedBytes), 0) AS BytesReceived,
           count(DISTINCT RemoteIP) AS UniqueRemoteIPs,
           list(DISTINCT RemotePort) AS Ports,
           list(DISTINCT RemoteIP)[1:10] AS RemoteIPs
    FROM (
      SELECT Timestamp, DeviceName, coalesce(nullif(AccountName, ''), InitiatingProcessAccountName) AS AccountName,
             InitiatingProcessFileName, InitiatingProcessCommandLine, RemoteIP, RemotePort, SentBytes, ReceivedBytes
      FROM {{DeviceNetworkEvents}}
      WHERE Timestamp > {{now}} - INTERVAL 24 HOUR
        AND RemotePort IN (443, 22, 465, 587, 990, 993, 8443, 21)
        AND RemoteIPType = 'Public'
        AND (lower(InitiatingProcessFileName) IN ('rclone.exe', 'winscp.exe', 'pscp.exe', 'psftp.exe', 'filezilla.exe', 'sftp.exe', 'scp.exe', 'curl.exe', 'wget.exe')
          OR regexp_matches(lower(InitiatingProcessCommandLine),
               '(^|[^\pL\pN])((sftp|smtps|ftps|webdav|rclone|winscp|mput|ssl|tls)($|[^\pL\pN])|scp |put )|--(sftp|webdav)($|[^\pL\pN])'))
    )
    GROUP BY ALL
  )
  WHERE MBSent > 10 OR ConnectionCount > 5
),
RcloneActivity AS (
  SELECT * FROM (
    SELECT Timestamp, DeviceName, AccountName, FileName, ProcessCommandLine, InitiatingProcessFileName,
           regexp_matches(lower(ProcessCommandLine), '(^|[^\pL\pN])(copy|sync|move)($|[^\pL\pN])') AS HasCopy,
           contains(ProcessCommandLine, ':')
             AND regexp_matches(lower(ProcessCommandLine), '(^|[^\pL\pN])(sftp|s3|gdrive|onedrive|mega|box|dropbox|webdav)($|[^\pL\pN])') AS HasRemote
    FROM {{DeviceProcessEvents}}
    WHERE Timestamp > {{now}} - INTERVAL 24 HOUR
      AND lower(FileName) = 'rclone.exe'
  )
  WHERE HasCopy OR HasRemote
)
SELECT * FROM ExfilToolProcesses
UNION ALL BY NAME SELECT * FROM ExfilNetworkEvents
UNION ALL BY NAME SELECT * FROM RcloneActivity
ORDER BY Timestamp DESC
