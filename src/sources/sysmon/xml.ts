/**
 * Event XML as text: one `<Event>` per line (Sysmon for Linux in syslog, after a syslog prefix;
 * winlogbeat-style exports), or many pretty-printed `<Event>` elements in one document
 * (`wevtutil qe /f:xml`, which writes them all on one line; Event Viewer "Save as XML";
 * evtxexport). Events are found by scanning the text for `<Event`, so whatever surrounds them
 * (syslog prefixes, an `<Events>` wrapper, an XML declaration) is ignored, and only one event's
 * text is held at a time.
 */
import type { XmlElement, XmlNode } from '../evtx/event.js';

export class XmlError extends Error {
  constructor(message: string, public readonly pos: number) {
    super(message);
  }
}

export interface ScannedEvent {
  /** 1-based line where the `<Event` starts. */
  line: number;
  xml?: XmlElement;
  error?: string;
}

/** Above this, an `<Event>` with no end is given up on (a truncated or runaway file). */
const MAX_EVENT_CHARS = 4 * 1024 * 1024;

const START = /<Event[\s>]/g;
const END = '</Event>';
/** Enough trailing text to hold a split `<Event` or `</Event` (`</Event>` minus one character). */
const KEEP = END.length - 1;

/**
 * The events in a text, given in pieces of any size (a stream's decoded chunks, or the whole
 * text). An XML export may hold every event on one line, so the text is scanned, not split into
 * lines; only the event being read is held.
 */
export async function* scanEvents(pieces: AsyncIterable<string> | Iterable<string>): AsyncGenerator<ScannedEvent> {
  let buf = '';
  let bufLine = 1; // line number of buf[0]
  let inEvent = false;
  let scanned = 0; // inside an event: how far buf has been searched for its end
  let tail = ''; // the end of the text seen, to tell whether the file stops mid-line
  const advance = (k: number) => {
    bufLine += countNewlines(buf, k);
    buf = buf.slice(k);
  };
  for await (const piece of pieces) {
    buf += piece;
    tail = (tail + piece).slice(-256);
    for (;;) {
      if (!inEvent) {
        START.lastIndex = 0;
        const m = START.exec(buf);
        const limit = m ? m.index : buf.length;
        // The end of an event whose start is missing: its beginning was damaged or cut off.
        for (let o = buf.indexOf(END); o >= 0 && o + END.length <= limit; o = buf.indexOf(END, o + 1)) {
          yield { line: bufLine + countNewlines(buf, o), error: 'an </Event> with no <Event> before it (damaged or cut off)' };
        }
        if (!m) {
          advance(Math.max(0, buf.length - KEEP));
          break;
        }
        advance(m.index);
        inEvent = true;
        scanned = 1;
      }
      const end = buf.indexOf(END, Math.max(0, scanned - KEEP));
      START.lastIndex = Math.max(1, scanned - KEEP);
      const next = START.exec(buf);
      if (next && (end < 0 || next.index < end)) {
        // A new <Event before this one's end: this one was cut short.
        yield { line: bufLine, error: 'the event has no </Event> before the next <Event> (truncated)' };
        advance(next.index);
        scanned = 1;
        continue;
      }
      if (end < 0) {
        scanned = buf.length;
        if (buf.length > MAX_EVENT_CHARS) {
          yield { line: bufLine, error: `no </Event> within ${MAX_EVENT_CHARS} characters of the <Event>` };
          inEvent = false;
          advance(buf.length - KEEP);
        }
        break;
      }
      yield parseOne(buf.slice(0, end + END.length), bufLine);
      advance(end + END.length);
      inEvent = false;
    }
  }
  if (inEvent) {
    yield { line: bufLine, error: 'the file ends inside an event (no </Event>)' };
    return;
  }
  // A last line with no line end that stops mid-text: the file was cut, perhaps inside an event's prefix.
  const lastLine = tail.slice(tail.lastIndexOf('\n') + 1).replace(/\r$/, '');
  if (lastLine.trim() !== '' && !/>\s*$/.test(lastLine)) {
    yield { line: bufLine + countNewlines(buf, buf.length), error: 'the file ends in the middle of a line (cut off?)' };
  }
}

function countNewlines(s: string, upTo: number): number {
  let c = 0;
  for (let i = s.indexOf('\n'); i >= 0 && i < upTo; i = s.indexOf('\n', i + 1)) c++;
  return c;
}

function parseOne(text: string, line: number): ScannedEvent {
  try {
    return { line, xml: parseXmlElement(text) };
  } catch (e) {
    const pos = e instanceof XmlError ? e.pos : 0;
    const at = line + countNewlines(text, pos);
    return { line: at, error: `not well-formed event XML: ${(e as Error).message}` };
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY, (all, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED[body] ?? all;
  });
}

/** Parses one element (and its content) from XML text; text around it is ignored. */
export function parseXmlElement(text: string): XmlElement {
  let p = text.indexOf('<');
  const fail = (msg: string): never => {
    throw new XmlError(msg, p);
  };
  const name = (): string => {
    NAME.lastIndex = p;
    const m = NAME.exec(text);
    if (!m) fail(`expected a name at character ${p + 1}`);
    p += m![0].length;
    return m![0];
  };
  const ws = () => {
    while (p < text.length && /\s/.test(text[p]!)) p++;
  };
  const element = (depth: number): XmlElement => {
    if (depth > 64) fail('elements nested too deeply');
    p++; // '<'
    const el: XmlElement = { name: name(), attrs: {}, children: [] };
    for (;;) {
      ws();
      const c = text[p];
      if (c === '/') {
        if (text[p + 1] !== '>') fail(`expected '/>' at character ${p + 1}`);
        p += 2;
        return el;
      }
      if (c === '>') {
        p++;
        break;
      }
      if (c === undefined) fail(`<${el.name}> is not closed`);
      const an = name();
      ws();
      if (text[p] !== '=') fail(`expected '=' after attribute ${an}`);
      p++;
      ws();
      const q = text[p];
      if (q !== '"' && q !== "'") fail(`expected a quoted value for attribute ${an}`);
      const close = text.indexOf(q!, p + 1);
      if (close < 0) fail(`attribute ${an} has no closing quote`);
      el.attrs[an] = decode(text.slice(p + 1, close));
      p = close + 1;
    }
    const kids: XmlNode[] = [];
    let hasElements = false;
    for (;;) {
      const lt = text.indexOf('<', p);
      if (lt < 0) fail(`<${el.name}> has no end tag`);
      if (lt > p) kids.push(decode(text.slice(p, lt)));
      p = lt;
      if (text.startsWith('</', p)) {
        p += 2;
        const en = name();
        if (en !== el.name) fail(`</${en}> closes <${el.name}>`);
        ws();
        if (text[p] !== '>') fail(`expected '>' after </${en}`);
        p++;
        break;
      }
      if (text.startsWith('<!--', p)) {
        const e = text.indexOf('-->', p + 4);
        if (e < 0) fail('comment has no end');
        p = e + 3;
      } else if (text.startsWith('<![CDATA[', p)) {
        const e = text.indexOf(']]>', p + 9);
        if (e < 0) fail('CDATA section has no end');
        kids.push(text.slice(p + 9, e));
        p = e + 3;
      } else if (text.startsWith('<?', p)) {
        const e = text.indexOf('?>', p + 2);
        if (e < 0) fail('processing instruction has no end');
        p = e + 2;
      } else {
        kids.push(element(depth + 1));
        hasElements = true;
      }
    }
    // Indentation between child elements is not content; text of a leaf element is kept as is.
    for (const k of kids) {
      if (typeof k === 'string') {
        if (hasElements && k.trim() === '') continue;
        const last = el.children[el.children.length - 1];
        if (typeof last === 'string') el.children[el.children.length - 1] = last + k;
        else el.children.push(k);
      } else {
        el.children.push(k);
      }
    }
    return el;
  };
  if (p < 0) fail('no element');
  return element(0);
}
