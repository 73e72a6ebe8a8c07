/**
 * geo_polygon_lookup(LookupTable, LookupPolygonKey, SourceLongitude, SourceLatitude [, radius]
 * [, return_unmatched] [, lookup_area_radius] [, return_lookup_key]) and geo_line_lookup(...,
 * Radius, ...): each input location joined with the lookup rows whose polygon holds it
 * (geo_point_in_polygon, or geo_distance_point_to_polygon <= radius when a radius is given), or
 * whose line lies within Radius meters (geo_distance_point_to_line). The output is the input's
 * columns, then the lookup table's, the key column only with return_lookup_key; with
 * return_unmatched, locations without a match are kept with empty lookup columns.
 * lookup_area_radius only tunes Kusto's search and does not change the result.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Expr } from '../../../kql/plan.js';
import type { ScalarType } from '../../../schema/types.js';
import { type Batch, fieldIndex } from '../../batch.js';
import type { ExecContext } from '../../context.js';
import { scalarFunction } from '../../functions/registry.js';
import type { RowFn } from '../../functions/types.js';
import { columnArg, constant, input, lookupJoin, tableArg } from './common.js';
import type { Evaluate, Plugin, PluginCall } from './types.js';

/** A geo function of (longitude, latitude, shape), bound for real coordinates. */
function geoFunction(name: string, result: ScalarType, tab: Evaluate, ctx: ExecContext): RowFn {
  const f = scalarFunction(name);
  if (!f) throw facts.unsupportedFunction(name, tab.span);
  const impl = f.bind({
    args: [{ type: 'real', constant: false }, { type: 'real', constant: false }, { type: 'dynamic', constant: false }],
    resultType: result,
    now: ctx.now,
    span: tab.span,
  });
  const nullable = f.propagatesNulls !== false;
  return (lng, lat, shape) => (nullable && (lng === null || lat === null || shape === null || shape === undefined) ? null : impl(lng, lat, shape));
}

interface Options { radius: number | null; unmatched: boolean; returnKey: boolean }

/** The optional arguments, by name or by position (numbers: radius then lookup_area_radius; bools: return_unmatched then return_lookup_key). */
function options(rest: Expr[], named: Map<string, Expr>, ctx: ExecContext, radiusFirst: boolean): Options {
  const numbers: number[] = [], bools: boolean[] = [];
  for (const e of rest) {
    const v = constant(e, ctx, 'a geo lookup option');
    if (typeof v === 'boolean') bools.push(v);
    else if (v !== null && v !== undefined) numbers.push(Number(v));
  }
  const flag = (name: string, pos: number) => {
    const e = named.get(name);
    return e ? constant(e, ctx) === true : bools[pos] === true;
  };
  const radiusArg = named.get('radius');
  const radius = radiusArg ? Number(constant(radiusArg, ctx)) : radiusFirst || numbers.length ? numbers[0] ?? null : null;
  return { radius, unmatched: flag('return_unmatched', 0), returnKey: flag('return_lookup_key', 1) };
}

function geoLookup(name: string, kind: 'polygon' | 'line'): Plugin {
  return {
    name,
    async run(call: PluginCall): Promise<Batch> {
      const { tab, ctx, positional, named } = call;
      const [tableExpr, keyExpr, lngExpr, latExpr, ...rest] = positional;
      if (!tableExpr || !keyExpr || !lngExpr || !latExpr) throw facts.runtime(`${name} needs a lookup table, its shape column, and longitude and latitude columns`, tab.span);
      const opts = options(rest, named, ctx, kind === 'line');
      if (kind === 'line' && (opts.radius === null || Number.isNaN(opts.radius))) throw facts.runtime(`${name} needs a radius`, tab.span);
      const lookup = await tableArg(tableExpr, call, 'the lookup table');
      const keyIdx = keyExpr.kind === 'column' ? fieldIndex(lookup.fields, keyExpr.name) : -1;
      if (keyIdx < 0) throw facts.runtime(`${name}: the lookup key must be a column of the lookup table`, keyExpr.span);
      const shapes = lookup.columns[keyIdx]!;
      const b = await input(call);
      const lng = columnArg(lngExpr, b, ctx).values, lat = columnArg(latExpr, b, ctx).values;

      let matches: (x: unknown, y: unknown, shape: unknown) => boolean;
      if (kind === 'line') {
        const distance = geoFunction('geo_distance_point_to_line', 'real', tab, ctx);
        matches = (x, y, s) => { const d = distance(x, y, s); return typeof d === 'number' && d <= opts.radius!; };
      } else if (opts.radius !== null) {
        const distance = geoFunction('geo_distance_point_to_polygon', 'real', tab, ctx);
        matches = (x, y, s) => { const d = distance(x, y, s); return typeof d === 'number' && d <= opts.radius!; };
      } else {
        const inside = geoFunction('geo_point_in_polygon', 'bool', tab, ctx);
        matches = (x, y, s) => inside(x, y, s) === true;
      }
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      const pairs: [number, number][] = [];
      for (let i = 0; i < b.length; i++) {
        const x = num(lng[i]), y = num(lat[i]);
        let found = false;
        if (x !== null && y !== null) {
          for (let r = 0; r < lookup.length; r++) {
            if (matches(x, y, shapes[r])) { pairs.push([i, r]); found = true; }
          }
        }
        if (!found && opts.unmatched) pairs.push([i, -1]);
      }
      const kept = lookup.fields.map((_, c) => c).filter((c) => c !== keyIdx || opts.returnKey);
      return lookupJoin(tab, b, lookup, kept, pairs);
    },
  };
}

export const GEO_POLYGON_LOOKUP = geoLookup('geo_polygon_lookup', 'polygon');
export const GEO_LINE_LOOKUP = geoLookup('geo_line_lookup', 'line');
