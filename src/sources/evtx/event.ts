/**
 * A Windows event as XML elements, and the structured view of it that readers use:
 * `System` (EventID, Provider, TimeCreated, Computer, EventRecordID, ...) and `EventData`
 * (Data Name → text). The EVTX parser builds these elements from binary XML; the Sysmon reader
 * builds the same elements from event XML text, so both go through `toWinEvent`.
 */

export interface XmlElement {
  name: string;
  /** Attributes in document order. */
  attrs: Record<string, string>;
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

export interface WinEventSystem {
  ProviderName?: string;
  ProviderGuid?: string;
  EventSourceName?: string;
  EventID?: number;
  Qualifiers?: number;
  Version?: number;
  Level?: number;
  Task?: number;
  Opcode?: number;
  Keywords?: string;
  /** ISO 8601 UTC, as the event gives it (7 fractional digits from EVTX). */
  TimeCreated?: string;
  EventRecordID?: number;
  ActivityID?: string;
  RelatedActivityID?: string;
  ProcessID?: number;
  ThreadID?: number;
  Channel?: string;
  Computer?: string;
  UserID?: string;
}

export interface WinEvent {
  System: WinEventSystem;
  /** `<Data Name="X">text</Data>` of EventData as X → text (empty elements give ''). */
  EventData: Record<string, string>;
  /** Text of `<Data>` elements that have no Name, in order (classic and forwarded events). */
  Data: string[];
  /** The first child of `<UserData>`, when the event has one. */
  UserData?: XmlElement;
  /** The whole event. */
  xml: XmlElement;
}

export function isElement(n: XmlNode): n is XmlElement {
  return typeof n !== 'string';
}

/** Concatenated text of an element's descendants. */
export function textOf(e: XmlElement): string {
  let s = '';
  for (const c of e.children) s += typeof c === 'string' ? c : textOf(c);
  return s;
}

export function child(e: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!e) return undefined;
  for (const c of e.children) if (typeof c !== 'string' && localName(c.name) === name) return c;
  return undefined;
}

function localName(n: string): string {
  const i = n.indexOf(':');
  return i < 0 ? n : n.slice(i + 1);
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === '') return undefined;
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function set<K extends keyof WinEventSystem>(o: WinEventSystem, k: K, v: WinEventSystem[K] | undefined): void {
  if (v !== undefined && v !== '') o[k] = v;
}

/** The structured view of an `<Event>` element. */
export function toWinEvent(xml: XmlElement): WinEvent {
  const sys = child(xml, 'System');
  const s: WinEventSystem = {};
  const prov = child(sys, 'Provider');
  set(s, 'ProviderName', prov?.attrs.Name);
  set(s, 'ProviderGuid', prov?.attrs.Guid);
  set(s, 'EventSourceName', prov?.attrs.EventSourceName);
  const eid = child(sys, 'EventID');
  if (eid) {
    set(s, 'EventID', num(textOf(eid)));
    set(s, 'Qualifiers', num(eid.attrs.Qualifiers));
  }
  for (const k of ['Version', 'Level', 'Task', 'Opcode', 'EventRecordID'] as const) {
    const e = child(sys, k);
    if (e) set(s, k, num(textOf(e)));
  }
  const kw = child(sys, 'Keywords');
  if (kw) set(s, 'Keywords', textOf(kw).trim());
  set(s, 'TimeCreated', child(sys, 'TimeCreated')?.attrs.SystemTime);
  const corr = child(sys, 'Correlation');
  set(s, 'ActivityID', corr?.attrs.ActivityID);
  set(s, 'RelatedActivityID', corr?.attrs.RelatedActivityID);
  const exec = child(sys, 'Execution');
  set(s, 'ProcessID', num(exec?.attrs.ProcessID));
  set(s, 'ThreadID', num(exec?.attrs.ThreadID));
  const ch = child(sys, 'Channel');
  if (ch) set(s, 'Channel', textOf(ch));
  const comp = child(sys, 'Computer');
  if (comp) set(s, 'Computer', textOf(comp));
  const sec = child(sys, 'Security');
  set(s, 'UserID', sec?.attrs.UserID ?? sec?.attrs.UserId); // Sysmon for Linux spells it UserId

  const EventData: Record<string, string> = {};
  const Data: string[] = [];
  const ed = child(xml, 'EventData');
  if (ed) {
    for (const c of ed.children) {
      if (typeof c === 'string' || localName(c.name) !== 'Data') continue;
      const name = c.attrs.Name;
      if (name !== undefined) EventData[name] = textOf(c);
      else Data.push(textOf(c));
    }
  }
  const ud = child(xml, 'UserData');
  const UserData = ud?.children.find(isElement);
  return UserData ? { System: s, EventData, Data, UserData, xml } : { System: s, EventData, Data, xml };
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** The element as XML text (no declaration, no indentation). */
export function toXml(e: XmlElement): string {
  let s = '<' + e.name;
  for (const [k, v] of Object.entries(e.attrs)) s += ` ${k}="${v.replace(/[&<>"]/g, (c) => ESC[c]!)}"`;
  if (e.children.length === 0) return s + '/>';
  s += '>';
  for (const c of e.children) s += typeof c === 'string' ? c.replace(/[&<>]/g, (x) => ESC[x]!) : toXml(c);
  return s + `</${e.name}>`;
}
