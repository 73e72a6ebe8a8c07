/**
 * Binary XML inside one EVTX chunk: tokens, names, template definitions and instances,
 * substitutions (every value type, arrays, nested BinXml), and the rendering of a record's
 * BinXml into XML elements.
 *
 * All offsets are relative to the chunk start, as the format stores them. Names and template
 * definitions are cached per chunk by offset (a chunk's string and template tables are only
 * hash buckets over the same offsets, so a corrupt table does not stop us reading names).
 * Anything malformed throws `BinXmlError` with the chunk offset; the caller skips that record.
 */
import type { XmlElement, XmlNode } from './event.js';
import { VT, ValueError, arrayItems, renderScalar, utf16 } from './values.js';

export class BinXmlError extends Error {
  constructor(message: string, public readonly offset: number) {
    super(message);
  }
}

interface Value { type: number; start: number; size: number }

type Part =
  | { k: 'text'; s: string }
  | { k: 'sub'; index: number; optional: boolean }
  | { k: 'el'; el: PElement }
  | { k: 'tmpl'; def: Part[]; values: Value[] };

interface PAttr { name: string; parts: Part[] }
interface PElement { name: string; attrs: PAttr[]; children: Part[] }

const MAX_DEPTH = 12;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The lower 16 bits of the name hash EVTX stores beside each name (hash = hash * 65599 + unit). */
function nameHash(b: Buffer, start: number, units: number): number {
  let h = 0;
  for (let i = 0; i < units; i++) h = (Math.imul(h, 65599) + b.readUInt16LE(start + 2 * i)) >>> 0;
  return h & 0xffff;
}

export class ChunkBinXml {
  private names = new Map<number, string>();
  private templates = new Map<number, Part[] | BinXmlError>();
  private inProgress = new Set<number>();

  /** `buf` holds the chunk from its first byte (it may be shorter than 64 KiB when the file is truncated). */
  constructor(private readonly buf: Buffer) {}

  /** Renders the BinXml of a record (chunk offsets `start`..`end`) into its root element. */
  renderRecord(start: number, end: number): XmlElement {
    const parts = this.parseFragment(start, end, false, 0);
    const out: XmlNode[] = [];
    this.render(parts, null, out, 0);
    const root = out.find((n): n is XmlElement => typeof n !== 'string');
    if (!root) throw new BinXmlError('the record holds no XML element', start);
    return root;
  }

  private u8(p: number): number {
    if (p + 1 > this.buf.length) throw new BinXmlError('BinXml runs past the end of the chunk', p);
    return this.buf[p]!;
  }

  private u16(p: number): number {
    if (p + 2 > this.buf.length) throw new BinXmlError('BinXml runs past the end of the chunk', p);
    return this.buf.readUInt16LE(p);
  }

  private u32(p: number): number {
    if (p + 4 > this.buf.length) throw new BinXmlError('BinXml runs past the end of the chunk', p);
    return this.buf.readUInt32LE(p);
  }

  /** A name structure at `off`: next-offset u32, hash u16, length u16, UTF-16 text, NUL. */
  private name(off: number): string {
    const cached = this.names.get(off);
    if (cached !== undefined) return cached;
    const units = this.u16(off + 6);
    const end = off + 8 + units * 2;
    if (end > this.buf.length) throw new BinXmlError(`name at chunk offset ${off} runs past the end of the chunk`, off);
    const s = utf16(this.buf.subarray(off + 8, end));
    this.names.set(off, s);
    return s;
  }

  private nameSize(off: number): number {
    return 8 + this.u16(off + 6) * 2 + 2;
  }

  /** Does a name structure plausibly start at `off` (in bounds, hash matches its text)? */
  private validName(off: number, inlineAt: number): boolean {
    if (off !== inlineAt && (off < 512 || off >= inlineAt)) return false;
    if (off + 8 > this.buf.length) return false;
    const units = this.buf.readUInt16LE(off + 6);
    if (units === 0 || off + 8 + units * 2 > this.buf.length) return false;
    return this.names.has(off) || this.buf.readUInt16LE(off + 4) === nameHash(this.buf, off + 8, units);
  }

  /** Reads a name reference at `p`; returns the name and the position after it (and after an inline name). */
  private nameRef(p: number): [string, number] {
    const off = this.u32(p);
    const after = p + 4;
    const n = this.name(off);
    return [n, off === after ? after + this.nameSize(off) : after];
  }

  /**
   * Parses tokens from `start` to `end` (or an end-of-stream token) into parts. Element headers
   * carry a dependency identifier inside template definitions and not elsewhere; when the
   * expected layout does not lead to a valid name, the other layout is tried.
   */
  private parseFragment(start: number, end: number, inTemplate: boolean, depth: number): Part[] {
    if (depth > MAX_DEPTH) throw new BinXmlError('BinXml nested too deeply', start);
    if (end > this.buf.length) throw new BinXmlError('BinXml runs past the end of the chunk', start);
    const root: Part[] = [];
    const stack: PElement[] = [];
    let attr: PAttr | null = null;
    const sink = (): Part[] => (attr ? attr.parts : stack.length ? stack[stack.length - 1]!.children : root);
    let p = start;
    loop: while (p < end) {
      const tok = this.buf[p]!;
      const base = tok & 0xbf;
      switch (base) {
        case 0x00: // end of stream
          p++;
          break loop;
        case 0x01: { // open start element
          const withDep = this.validName(this.u32Safe(p + 7), p + 11);
          const withoutDep = this.validName(this.u32Safe(p + 5), p + 9);
          const dep = inTemplate ? (withDep || !withoutDep) : (withDep && !withoutDep);
          let q = p + 1 + (dep ? 2 : 0) + 4; // token, [dependency id], data size
          const [name, next] = this.nameRef(q);
          q = next;
          if (tok & 0x40) q += 4; // attribute list size
          const el: PElement = { name, attrs: [], children: [] };
          attr = null;
          sink().push({ k: 'el', el });
          stack.push(el);
          p = q;
          break;
        }
        case 0x02: // close start element
          attr = null;
          p++;
          break;
        case 0x03: // close empty element
        case 0x04: // end element
          attr = null;
          if (!stack.length) throw new BinXmlError('element end without a start', p);
          stack.pop();
          p++;
          break;
        case 0x05: { // value text
          const type = this.u8(p + 1);
          if (type !== VT.String) throw new BinXmlError(`value token of type 0x${type.toString(16)} (expected a string)`, p);
          const units = this.u16(p + 2);
          const s = this.text(p + 4, units);
          pushText(sink(), s);
          p += 4 + units * 2;
          break;
        }
        case 0x06: { // attribute
          const el = stack[stack.length - 1];
          if (!el) throw new BinXmlError('attribute outside an element', p);
          const [name, next] = this.nameRef(p + 1);
          attr = { name, parts: [] };
          el.attrs.push(attr);
          p = next;
          break;
        }
        case 0x07: { // CDATA section
          const units = this.u16(p + 1);
          pushText(sink(), this.text(p + 3, units));
          p += 3 + units * 2;
          break;
        }
        case 0x08: // character reference
          pushText(sink(), String.fromCharCode(this.u16(p + 1)));
          p += 3;
          break;
        case 0x09: { // entity reference
          const [name, next] = this.nameRef(p + 1);
          pushText(sink(), ENTITIES[name] ?? `&${name};`);
          p = next;
          break;
        }
        case 0x0a: { // processing instruction target (not part of the event's data)
          p = this.nameRef(p + 1)[1];
          break;
        }
        case 0x0b: { // processing instruction data
          p += 3 + this.u16(p + 1) * 2;
          break;
        }
        case 0x0c: { // template instance
          if (inTemplate) throw new BinXmlError('template instance inside a template definition', p);
          const [part, next] = this.templateInstance(p, end, depth);
          sink().push(part);
          p = next;
          break;
        }
        case 0x0d: // normal substitution
        case 0x0e: // optional substitution
          sink().push({ k: 'sub', index: this.u16(p + 1), optional: base === 0x0e });
          this.u8(p + 3);
          p += 4;
          break;
        case 0x0f: // fragment header: major, minor, flags
          p += 4;
          break;
        default:
          throw new BinXmlError(`unknown BinXml token 0x${tok.toString(16).padStart(2, '0')}`, p);
      }
    }
    if (p > end) throw new BinXmlError('BinXml runs past the end of its data', end);
    // An element left open at the end of the data (a truncated template) is closed implicitly.
    return root;
  }

  private u32Safe(p: number): number {
    return p + 4 <= this.buf.length ? this.buf.readUInt32LE(p) : -1;
  }

  private text(p: number, units: number): string {
    if (p + units * 2 > this.buf.length) throw new BinXmlError('text runs past the end of the chunk', p);
    return utf16(this.buf.subarray(p, p + units * 2));
  }

  private templateInstance(p: number, end: number, depth: number): [Part, number] {
    let q = p + 2; // token, unknown byte
    q += 4; // template id
    const defOffset = this.u32(q);
    q += 4;
    let def: Part[];
    if (defOffset === q) {
      // The definition follows inline: next-offset u32, GUID, data size u32, then its BinXml.
      const size = this.u32(q + 20);
      def = this.template(defOffset, depth);
      q += 24 + size;
    } else {
      def = this.template(defOffset, depth);
    }
    const count = this.u32(q);
    q += 4;
    if (count > 8192 || q + count * 4 > end) throw new BinXmlError(`template instance with ${count} values does not fit its record`, p);
    const values: Value[] = [];
    let v = q + count * 4;
    for (let i = 0; i < count; i++) {
      const size = this.buf.readUInt16LE(q + 4 * i);
      const type = this.buf[q + 4 * i + 2]!;
      values.push({ type, start: v, size });
      v += size;
    }
    if (v > end) throw new BinXmlError(`template values run ${v - end} bytes past the end of the record`, q);
    return [{ k: 'tmpl', def, values }, v];
  }

  private template(off: number, depth: number): Part[] {
    const cached = this.templates.get(off);
    if (cached instanceof BinXmlError) throw cached;
    if (cached) return cached;
    if (this.inProgress.has(off)) throw new BinXmlError(`template at chunk offset ${off} refers to itself`, off);
    if (off < 512 || off + 24 > this.buf.length) {
      throw new BinXmlError(`template definition offset ${off} is outside the chunk's records`, off);
    }
    const size = this.u32(off + 20);
    const start = off + 24;
    if (start + size > this.buf.length) {
      const e = new BinXmlError(`template definition at chunk offset ${off} (${size} bytes) runs past the end of the chunk`, off);
      this.templates.set(off, e);
      throw e;
    }
    this.inProgress.add(off);
    try {
      const parts = this.parseFragment(start, start + size, true, depth + 1);
      this.templates.set(off, parts);
      return parts;
    } catch (e) {
      const err = e instanceof BinXmlError ? e : new BinXmlError(String((e as Error).message), off);
      this.templates.set(off, err);
      throw err;
    } finally {
      this.inProgress.delete(off);
    }
  }

  /** Instantiates parts with a template's values into XML nodes. */
  private render(parts: Part[], values: Value[] | null, out: XmlNode[], depth: number): void {
    if (depth > MAX_DEPTH) throw new BinXmlError('BinXml nested too deeply', 0);
    for (const part of parts) {
      switch (part.k) {
        case 'text':
          pushNode(out, part.s);
          break;
        case 'tmpl':
          this.render(part.def, part.values, out, depth + 1);
          break;
        case 'sub':
          this.renderValue(values?.[part.index], out, depth);
          break;
        case 'el':
          this.renderElement(part.el, values, out, depth);
          break;
      }
    }
  }

  private renderElement(el: PElement, values: Value[] | null, out: XmlNode[], depth: number): void {
    // An element whose only content is an array value repeats once per item, as Windows renders it.
    if (el.children.length === 1 && el.children[0]!.k === 'sub' && values) {
      const v = values[el.children[0]!.index];
      if (v && v.type & 0x80 && v.size > 0) {
        const items = this.items(v);
        if (items) {
          const attrs = this.attrs(el, values, depth);
          for (const item of items) out.push({ name: el.name, attrs: { ...attrs }, children: item === '' ? [] : [item] });
          return;
        }
      }
    }
    const children: XmlNode[] = [];
    this.render(el.children, values, children, depth);
    out.push({ name: el.name, attrs: this.attrs(el, values, depth), children });
  }

  private attrs(el: PElement, values: Value[] | null, depth: number): Record<string, string> {
    const attrs: Record<string, string> = {};
    for (const a of el.attrs) {
      const nodes: XmlNode[] = [];
      let present = a.parts.length === 0;
      for (const part of a.parts) {
        if (part.k === 'sub') {
          const v = values?.[part.index];
          // An attribute whose value is a null (absent) substitution is left out, as Windows does.
          if (!v || v.type === VT.Null || v.size === 0) continue;
        }
        present = true;
        this.render([part], values, nodes, depth);
      }
      if (present) attrs[a.name] = nodes.map((n) => (typeof n === 'string' ? n : '')).join('');
    }
    return attrs;
  }

  private items(v: Value): string[] | null {
    try {
      return arrayItems(v.type, this.buf.subarray(v.start, v.start + v.size));
    } catch (e) {
      if (e instanceof ValueError) return null;
      throw e;
    }
  }

  private renderValue(v: Value | undefined, out: XmlNode[], depth: number): void {
    if (!v || v.type === VT.Null || v.size === 0) return;
    if (v.start + v.size > this.buf.length) throw new BinXmlError('value runs past the end of the chunk', v.start);
    if (v.type === VT.BinXml) {
      const parts = this.parseFragment(v.start, v.start + v.size, false, depth + 1);
      this.render(parts, null, out, depth + 1);
      return;
    }
    const bytes = this.buf.subarray(v.start, v.start + v.size);
    let s: string;
    try {
      s = v.type & 0x80 ? arrayItems(v.type, bytes).join(',') : renderScalar(v.type, bytes);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      // A value that does not decode as its type (a truncated SID, say) is kept as its bytes.
      s = bytes.toString('hex').toUpperCase();
    }
    pushNode(out, s);
  }
}

function pushText(parts: Part[], s: string): void {
  if (s === '') return;
  const last = parts[parts.length - 1];
  if (last?.k === 'text') last.s += s;
  else parts.push({ k: 'text', s });
}

function pushNode(out: XmlNode[], s: string): void {
  if (s === '') return;
  const last = out[out.length - 1];
  if (typeof last === 'string') out[out.length - 1] = last + s;
  else out.push(s);
}
