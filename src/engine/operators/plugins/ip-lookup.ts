/**
 * The IP lookups: each input row joined with the lookup rows whose network (IP-prefix notation)
 * holds the row's address (and whose extra key columns, if given, are equal). The output is the
 * input's columns, then the lookup table's columns but the extra keys; with return_unmatched,
 * rows without a match are kept with empty lookup columns.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Expr } from '../../../kql/plan.js';
import { parseIpv4, parseIpv6 } from '../../../schema/values/ip.js';
import { type Batch, fieldIndex } from '../../batch.js';
import type { ExecContext } from '../../context.js';
import { maskIpv4 } from '../../functions/ip.js';
import { stringifier } from '../../functions/operators.js';
import { columnArg, constant, input, lookupJoin, rowKey, tableArg } from './common.js';
import type { Plugin, PluginCall } from './types.js';

/** An address or network: a comparable key for each prefix length, and its own prefix length. */
interface Net { prefix: number; key(prefix: number): string }

function ipv4Net(text: string): Net | null {
  const ip = parseIpv4(text);
  if (!ip) return null;
  return { prefix: ip.prefix, key: (p) => String(maskIpv4(ip.addr, Math.min(p, ip.prefix))) };
}

function ipv6Net(text: string): Net | null {
  const ip = parseIpv6(text);
  if (!ip) return null;
  return {
    prefix: ip.prefix,
    key(p) {
      const bits = Math.min(p, ip.prefix);
      return ip.words.map((w, i) => {
        const keep = bits - i * 16;
        return keep >= 16 ? w : keep <= 0 ? 0 : w & (0xffff << (16 - keep)) & 0xffff;
      }).join(':');
    },
  };
}

/** Whether an argument is the return_unmatched flag given by position (a bool constant). */
function isFlag(e: Expr, ctx: ExecContext): boolean {
  if (!('type' in e) || e.type !== 'bool' || e.kind === 'column') return false;
  return typeof constant(e, ctx) === 'boolean';
}

function ipLookup(name: string, parse: (text: string) => Net | null): Plugin {
  return {
    name,
    async run(call: PluginCall): Promise<Batch> {
      const { tab, ctx, positional, named } = call;
      const [tableExpr, sourceExpr, keyExpr, ...rest] = positional;
      if (!tableExpr || !sourceExpr || !keyExpr) throw facts.runtime(`${name} needs a lookup table, a source column and a lookup column`, tab.span);
      let unmatched = Boolean(constant(named.get('return_unmatched'), ctx) ?? false);
      const extraKeys: string[] = [];
      for (const e of rest) {
        if (isFlag(e, ctx)) unmatched = Boolean(constant(e, ctx));
        else if (e.kind === 'column') extraKeys.push(e.name);
        else throw facts.runtime(`${name}: extra keys must be column names`, e.span);
      }
      const lookup = await tableArg(tableExpr, call, 'the lookup table');
      const b = await input(call);
      const srcText = stringifier(('type' in sourceExpr && sourceExpr.type) || 'string');
      const src = columnArg(sourceExpr, b, ctx).values;
      if (keyExpr.kind !== 'column' || fieldIndex(lookup.fields, keyExpr.name) < 0) throw facts.runtime(`${name}: the lookup key must be a column of the lookup table`, keyExpr.span);
      const keyCol = lookup.columns[fieldIndex(lookup.fields, keyExpr.name)]!;
      const keyText = stringifier(lookup.fields[fieldIndex(lookup.fields, keyExpr.name)]!.type);
      const extraIn = extraKeys.map((k) => b.columns[fieldIndex(b.fields, k)] ?? []);
      const extraLk = extraKeys.map((k) => lookup.columns[fieldIndex(lookup.fields, k)] ?? []);
      if (extraKeys.some((k) => fieldIndex(b.fields, k) < 0 || fieldIndex(lookup.fields, k) < 0)) {
        throw facts.runtime(`${name}: extra keys must be columns of both tables`, tab.span);
      }

      // Lookup rows indexed by prefix length, then by masked network (and extra keys).
      const index = new Map<number, Map<string, number[]>>();
      for (let r = 0; r < lookup.length; r++) {
        const v = keyCol[r];
        if (v === null || v === undefined) continue;
        const net = parse(keyText(v));
        if (!net) continue;
        let byKey = index.get(net.prefix);
        if (!byKey) { byKey = new Map(); index.set(net.prefix, byKey); }
        const k = net.key(net.prefix) + '|' + rowKey(extraLk, r);
        const list = byKey.get(k);
        if (list) list.push(r); else byKey.set(k, [r]);
      }
      const prefixes = [...index.keys()].sort((x, y) => y - x);

      const pairs: [number, number][] = [];
      for (let i = 0; i < b.length; i++) {
        const v = src[i];
        const ip = v === null || v === undefined ? null : parse(srcText(v));
        let found = false;
        if (ip) {
          const extra = rowKey(extraIn, i);
          for (const p of prefixes) {
            if (p > ip.prefix) continue;
            const rows = index.get(p)!.get(ip.key(p) + '|' + extra);
            if (!rows) continue;
            for (const r of rows) pairs.push([i, r]);
            found = true;
          }
        }
        if (!found && unmatched) pairs.push([i, -1]);
      }
      const keyCols = new Set(extraKeys.map((k) => fieldIndex(lookup.fields, k)));
      const kept = lookup.fields.map((_, c) => c).filter((c) => !keyCols.has(c));
      return lookupJoin(tab, b, lookup, kept, pairs);
    },
  };
}

export const IPV4_LOOKUP = ipLookup('ipv4_lookup', ipv4Net);
export const IPV6_LOOKUP = ipLookup('ipv6_lookup', ipv6Net);
