/**
 * `exfilwatch playbook <alert id> [PATH...] [--format md|html]`: the response playbook of the
 * alert's rule with the alert's own entities filled in. Also the small Markdown-to-HTML writer that
 * the playbook and the investigation report use for `--format html` (one self-contained page).
 */
import { parseArgs } from 'node:util';
import { findAlert } from '../detect/investigate.js';
import { renderPlaybook } from '../detect/playbook.js';
import { CASE_OPTIONS, loadCase } from './investigate.js';
import { reportError } from './main.js';

export async function playbookCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: CASE_OPTIONS });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const format = values.format ?? 'md';
  if (!['md', 'html'].includes(format)) {
    process.stderr.write('error: --format must be md or html\n');
    return 2;
  }
  const [id, ...paths] = positionals;
  if (!id) {
    process.stderr.write('usage: exfilwatch playbook <alert id> [PATH...] [--rules PATH] [--now ISO] [--format md|html]\n');
    return 2;
  }
  try {
    const c = await loadCase(paths, values);
    const alert = findAlert(c.alerts, id);
    if (!alert) {
      process.stderr.write(`error: no alert '${id}' in this hunt (${c.alerts.length} alert(s); list them with exfilwatch hunt --format jsonl)\n`);
      return 1;
    }
    const md = await renderPlaybook(alert);
    process.stdout.write(format === 'html' ? markdownToHtml(md, `Playbook: ${alert.ruleName} on ${alert.entities.host ?? '?'}`) : md);
    return 0;
  } catch (e) {
    return reportError(e, '');
  }
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(s: string): string {
  const parts = s.split(/(`[^`]*`)/);
  return parts
    .map((p) => (p.startsWith('`') && p.endsWith('`') && p.length > 1
      ? `<code>${esc(p.slice(1, -1))}</code>`
      : esc(p).replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/\*([^*]+)\*/g, '<em>$1</em>')))
    .join('');
}

/** The Markdown the reports write (headings, lists, tables, fenced code, quotes) as one HTML page. */
export function markdownToHtml(md: string, title: string): string {
  const out: string[] = [];
  const lines = md.split('\n');
  let i = 0;
  const listStack: { indent: number; tag: string }[] = [];
  const closeLists = (indent = -1): void => {
    while (listStack.length && listStack[listStack.length - 1]!.indent > indent) out.push(`</li></${listStack.pop()!.tag}>`);
  };
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = /^(\s*)```/.exec(line);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i]!)) code.push(lines[i++]!.slice(fence[1]!.length));
      i++;
      out.push(`<pre><code>${esc(code.join('\n'))}</code></pre>`);
      continue;
    }
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    const li = /^(\s*)(?:[-*]|(\d+)\.)\s+(.*)$/.exec(line);
    if (h) {
      closeLists();
      out.push(`<h${h[1]!.length}>${inline(h[2]!)}</h${h[1]!.length}>`);
    } else if (li) {
      const indent = li[1]!.length;
      const tag = li[2] ? 'ol' : 'ul';
      const top = listStack[listStack.length - 1];
      if (!top || indent > top.indent) {
        out.push(`<${tag}><li>`);
        listStack.push({ indent, tag });
      } else {
        closeLists(indent);
        out.push('</li><li>');
      }
      out.push(inline(li[3]!));
    } else if (/^\s*\|/.test(line)) {
      closeLists();
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i]!)) {
        const cells = lines[i]!.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
        if (!cells.every((c) => /^-{3,}$/.test(c))) rows.push(cells);
        i++;
      }
      const [head, ...body] = rows;
      out.push('<table>');
      if (head) out.push(`<thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead>`);
      out.push(`<tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
      continue;
    } else if (/^>\s?/.test(line)) {
      closeLists();
      out.push(`<blockquote>${inline(line.replace(/^>\s?/, ''))}</blockquote>`);
    } else if (line.trim() === '') {
      if (!listStack.length) out.push('');
    } else if (listStack.length && /^\s+/.test(line)) {
      out.push(' ' + inline(line.trim()));
    } else {
      closeLists();
      out.push(`<p>${inline(line)}</p>`);
    }
    i++;
  }
  closeLists();
  const css = 'body{font:14px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}' +
    'table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}' +
    'th{background:#f3f3f3}pre{background:#f6f8fa;padding:10px;overflow:auto}code{font-family:ui-monospace,monospace;font-size:12px}' +
    'blockquote{border-left:4px solid #ddd;margin:0;padding-left:1em;color:#555}h1{font-size:22px}h2{border-bottom:1px solid #eee;margin-top:1.6em}';
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head><body>\n${out.join('\n')}\n</body></html>\n`;
}
