/**
 * A streaming cut of a JSON document into rows. It tracks only strings and bracket depth, and
 * cuts out one row's text at a time, which JSON.parse then checks:
 *
 * - a top-level array: each element is a row;
 * - a top-level object with a `Results` or `records` array: each element of it is a row (other
 *   members, such as `Schema`, are read and dropped);
 * - any other top-level object: one row;
 * - several top-level values one after another: each as above.
 *
 * A bad element is skipped with a warning naming its line; a truncated document keeps every
 * row before the cut and says the document was not closed. A raw newline inside a string ends
 * the string (JSON strings never hold one), so one bad quote costs one record, not the rest of
 * the file. No single value is held past MAX_VALUE_CHARS.
 */
import { type ReadStats, skip } from '../reader.js';
import { parseJsonExact } from './exact.js';

/** The largest single record (or line) held in memory; larger ones are skipped with a warning. */
export const MAX_VALUE_CHARS = 64 << 20;

export interface ScannedRow {
  value: Record<string, unknown>;
  line: number;
}

type Frame =
  /** An array whose elements are rows. */
  | { kind: 'rows'; line: number; wrapper?: WrapperFrame }
  | WrapperFrame;

interface WrapperFrame {
  kind: 'object';
  line: number;
  state: 'key' | 'value' | 'after';
  key: string;
  members: string[];
  size: number;
  streamed: boolean;
}

type CaptureKind = 'element' | 'key' | 'member';

const WRAPPED_ARRAYS = new Set(['Results', 'records']);

export async function* scanDocument(chunks: AsyncIterable<string>, file: string, stats: ReadStats): AsyncGenerator<ScannedRow[]> {
  const frames: Frame[] = [];
  let line = 1;
  let inString = false;
  let escaped = false;
  // The value being cut out: its kind, nesting depth inside it, text so far, start line.
  let capturing: CaptureKind | undefined;
  let capDepth = 0;
  let capParts: string[] = [];
  let capSize = 0;
  let capLine = 0;
  let capStart = 0;
  let capOversized = false;
  let garbageLine = 0;
  let out: ScannedRow[] = [];
  let first = true;

  const emit = (text: string, at: number): void => {
    let v: unknown;
    try {
      v = parseJsonExact(text);
    } catch (e) {
      skip(stats, file, at, `not valid JSON (${(e as Error).message})`);
      return;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push({ value: v as Record<string, unknown>, line: at });
    else skip(stats, file, at, 'expected a JSON object');
  };

  /** Ends the capture at `end` (exclusive) in `chunk` and hands the text to its frame. */
  const endCapture = (chunk: string, end: number): void => {
    const kind = capturing!;
    capturing = undefined;
    if (capOversized) {
      capOversized = false;
      capParts = [];
      skip(stats, file, capLine, `a JSON value larger than ${MAX_VALUE_CHARS} characters`);
      if (kind === 'key') (frames[frames.length - 1] as WrapperFrame).key = '';
      return;
    }
    capParts.push(chunk.slice(capStart, end));
    const text = (capParts.length === 1 ? capParts[0]! : capParts.join('')).trim();
    capParts = [];
    const top = frames[frames.length - 1]!;
    if (kind === 'element') {
      if (text !== '') emit(text, capLine);
      return;
    }
    const w = top as WrapperFrame;
    if (kind === 'key') {
      try {
        const k = JSON.parse(text);
        w.key = typeof k === 'string' ? k : String(k);
      } catch {
        skip(stats, file, capLine, `expected a quoted member name, found ${text.slice(0, 40)}`);
        w.key = '';
      }
      w.state = 'value';
      return;
    }
    if (text === '') return;
    w.size += text.length;
    if (w.size > MAX_VALUE_CHARS) {
      if (w.members.length) skip(stats, file, w.line, `a JSON object larger than ${MAX_VALUE_CHARS} characters`);
      w.members = [];
      w.size = 0;
      return;
    }
    w.members.push(JSON.stringify(w.key) + ':' + text);
  };

  const closeFrame = (): void => {
    const f = frames.pop()!;
    if (f.kind === 'rows') {
      if (f.wrapper) f.wrapper.state = 'after';
      return;
    }
    if (!f.streamed && f.members.length) emit('{' + f.members.join(',') + '}', f.line);
    else if (!f.streamed && f.size === 0) out.push({ value: {}, line: f.line });
  };

  for await (let chunk of chunks) {
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      first = false;
    }
    capStart = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92 /* \ */) escaped = true;
        else if (c === 34 /* " */) inString = false;
        else if (c === 10) { line++; inString = false; }
        continue;
      }
      if (capturing) {
        if (c === 34) inString = true;
        else if (c === 123 || c === 91 /* { [ */) capDepth++;
        else if (c === 10) line++;
        else if (capDepth > 0) {
          if (c === 125 || c === 93 /* } ] */) capDepth--;
        } else if (c === 44 /* , */ || c === 125 || c === 93 || (c === 58 /* : */ && capturing === 'key')) {
          endCapture(chunk, i);
          const top = frames[frames.length - 1]!;
          if (c === 44) { if (top.kind === 'object') top.state = 'key'; } else if (c !== 58) closeFrame();
        }
        continue;
      }
      // Between values: whitespace, separators, closers, or the start of the next value.
      if (c === 10) { line++; continue; }
      if (c === 32 || c === 9 || c === 13) continue;
      const top = frames[frames.length - 1];
      if (!top) {
        if (c === 91) frames.push({ kind: 'rows', line });
        else if (c === 123) frames.push({ kind: 'object', line, state: 'key', key: '', members: [], size: 0, streamed: false });
        else if (garbageLine !== line) {
          garbageLine = line;
          skip(stats, file, line, `expected a JSON array or object, found '${chunk.slice(i, i + 20).split('\n')[0]}'`);
        }
        continue;
      }
      if (c === 125 || c === 93) { closeFrame(); continue; }
      if (top.kind === 'rows') {
        if (c === 44) continue;
        startCapture('element', i);
      } else if (top.state === 'key') {
        if (c === 44) continue;
        startCapture('key', i);
      } else if (top.state === 'after') {
        if (c === 44) top.state = 'key';
        else if (garbageLine !== line) {
          garbageLine = line;
          skip(stats, file, line, `expected ',' or '}' after the array, found '${chunk[i]}'`);
        }
        continue;
      } else if (c === 91 && WRAPPED_ARRAYS.has(top.key)) {
        top.streamed = true;
        frames.push({ kind: 'rows', line, wrapper: top });
        continue;
      } else if (c === 58 /* : */) {
        continue;
      } else {
        startCapture('member', i);
      }
      // Re-read this character inside the capture.
      i--;
    }
    if (capturing) {
      if (!capOversized) {
        const part = chunk.slice(capStart);
        capSize += part.length;
        if (capSize > MAX_VALUE_CHARS) { capOversized = true; capParts = []; } else capParts.push(part);
      }
    }
    if (out.length) {
      yield out;
      out = [];
    }
  }

  if (capturing === 'element' && !capOversized && capDepth === 0 && !inString) {
    // A complete last element with the array's end cut off: keep it, then say the array was cut.
    endCapture('', 0);
    capturing = undefined;
  }
  if (capturing && !capOversized) {
    skip(stats, file, capLine, 'unexpected end of file inside a JSON value (truncated?)');
  } else if (capturing) {
    skip(stats, file, capLine, `a JSON value larger than ${MAX_VALUE_CHARS} characters`);
  } else if (frames.length) {
    const f = frames[0]!;
    skip(stats, file, f.line, `unexpected end of file: the JSON ${f.kind === 'rows' ? 'array' : 'object'} opened here is not closed (truncated?)`);
  }
  if (out.length) yield out;

  function startCapture(kind: CaptureKind, at: number): void {
    capturing = kind;
    capDepth = 0;
    capParts = [];
    capSize = 0;
    capLine = line;
    capStart = at;
    capOversized = false;
  }
}
