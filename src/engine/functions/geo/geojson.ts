/**
 * GeoJSON input and output for the geo functions. Lines and polygons arrive as dynamic values;
 * they are checked against Kusto's constraints (valid coordinates, at least two positions per line,
 * closed rings of at least three distinct vertices that don't cross) and turned into points on
 * the unit sphere. Parsed shapes are cached per dynamic object, since a literal or `let` shape is
 * the same object on every row.
 */
import type s2js from 's2js';
import { lazyRequire } from '../lazy-require.js';
import { type LngLat, type Vec3, add, edgeIntersection, sameVec, toPoint, validLngLat } from './sphere.js';

const s2: typeof s2js.s2 = lazyRequire('s2js', (m) => m.s2);
export type S2Polygon = InstanceType<typeof s2.Polygon>;
export type S2Loop = InstanceType<typeof s2.Loop>;
export type S2Point = InstanceType<typeof s2.Point>;

export interface LineShape {
  /** One entry per LineString: its positions and the matching unit vectors. */
  lines: { coords: LngLat[]; points: Vec3[] }[];
}

export interface PolygonShape {
  /** Per polygon, its rings (shell first) without the closing position. */
  polygons: LngLat[][][];
  /** Every ring as unit vectors, in input order. */
  rings: Vec3[][];
  /**
   * One S2 polygon per GeoJSON polygon: rings normalized to enclose at most half the sphere,
   * nested into shells and holes. The polygons of a MultiPolygon may overlap.
   */
  parts: S2Polygon[];
}

export function polygonContains(shape: PolygonShape, p: Vec3): boolean {
  const sp = s2Point(p);
  return shape.parts.some((part) => part.containsPoint(sp));
}

/** Area in steradians (overlapping polygons of a MultiPolygon count twice). */
export function polygonArea(shape: PolygonShape): number {
  return shape.parts.reduce((s, part) => s + part.area(), 0);
}

/** The centroid times the area, summed over the polygons (S2Polygon::GetCentroid). */
export function polygonCentroid(shape: PolygonShape): Vec3 {
  const c: Vec3 = [0, 0, 0];
  for (const part of shape.parts) {
    const p = part.centroid();
    c[0] += p.x;
    c[1] += p.y;
    c[2] += p.z;
  }
  return c;
}

/** A dynamic argument as a JSON object: parses JSON text, which Kusto accepts for dynamic. */
function asObject(v: unknown): Record<string, unknown> | null {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function num(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** A [lng, lat] position, or null when it isn't two numbers in range. */
export function parsePosition(v: unknown): LngLat | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const lng = num(v[0]);
  const lat = num(v[1]);
  if (lng === null || lat === null || !validLngLat(lng, lat)) return null;
  return [lng, lat];
}

function parsePositions(v: unknown, min: number): LngLat[] | null {
  if (!Array.isArray(v) || v.length < min) return null;
  const out: LngLat[] = [];
  for (const p of v) {
    const c = parsePosition(p);
    if (c === null) return null;
    out.push(c);
  }
  return out;
}

function cached<T>(cache: WeakMap<object, T | null>, v: unknown, parse: (o: Record<string, unknown>) => T | null): T | null {
  const o = asObject(v);
  if (o === null) return null;
  if (cache.has(o)) return cache.get(o)!;
  const r = parse(o);
  cache.set(o, r);
  return r;
}

const lineCache = new WeakMap<object, LineShape | null>();

/** A LineString or MultiLineString; null when invalid. */
export function parseLine(v: unknown): LineShape | null {
  return cached(lineCache, v, (o) => {
    let raw: unknown[];
    if (o.type === 'LineString') raw = [o.coordinates];
    else if (o.type === 'MultiLineString' && Array.isArray(o.coordinates) && o.coordinates.length > 0) raw = o.coordinates;
    else return null;
    const lines: LineShape['lines'] = [];
    for (const r of raw) {
      const coords = parsePositions(r, 2);
      if (coords === null) return null;
      const points = coords.map(([lng, lat]) => toPoint(lng, lat));
      for (let i = 1; i < points.length; i++) {
        // An edge between antipodal points has no defined geodesic.
        if (isAntipodal(points[i - 1]!, points[i]!)) return null;
      }
      lines.push({ coords, points });
    }
    return { lines };
  });
}

function isAntipodal(a: Vec3, b: Vec3): boolean {
  const s = add(a, b);
  return Math.abs(s[0]) < 1e-15 && Math.abs(s[1]) < 1e-15 && Math.abs(s[2]) < 1e-15;
}

/** A ring's positions without the closing one; null unless closed with at least 3 distinct vertices. */
function parseRing(v: unknown): LngLat[] | null {
  const coords = parsePositions(v, 4);
  if (coords === null) return null;
  const first = coords[0]!;
  const last = coords[coords.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return null;
  return coords.slice(0, -1);
}

const polygonCache = new WeakMap<object, PolygonShape | null>();

/** A Polygon or MultiPolygon; null when invalid. */
export function parsePolygon(v: unknown): PolygonShape | null {
  return cached(polygonCache, v, (o) => {
    let raw: unknown[];
    if (o.type === 'Polygon') raw = [o.coordinates];
    else if (o.type === 'MultiPolygon' && Array.isArray(o.coordinates) && o.coordinates.length > 0) raw = o.coordinates;
    else return null;
    const polygons: LngLat[][][] = [];
    for (const p of raw) {
      if (!Array.isArray(p) || p.length === 0) return null;
      const rings: LngLat[][] = [];
      for (const r of p) {
        const ring = parseRing(r);
        if (ring === null) return null;
        rings.push(ring);
      }
      polygons.push(rings);
    }
    return buildPolygon(polygons);
  });
}

/** Builds the S2 polygons of already parsed rings; null when rings are degenerate or cross. */
export function buildPolygon(polygons: LngLat[][][]): PolygonShape | null {
  const rings: Vec3[][] = [];
  const parts: S2Polygon[] = [];
  for (const p of polygons) {
    const own = p.map((r) => r.map(([lng, lat]) => toPoint(lng, lat)));
    if (!ringsValid(own)) return null;
    const loops = own.map((r) => {
      const loop = new s2.Loop(r.map(s2Point));
      loop.normalize();
      return loop;
    });
    for (const l of loops) if (l.findValidationErrorNoIndex() !== null) return null;
    try {
      parts.push(new s2.Polygon(loops));
    } catch {
      return null;
    }
    rings.push(...own);
  }
  return { polygons, rings, parts };
}

/** Largest ring set checked edge against edge for crossings (quadratic cost). */
const MAX_CROSSING_CHECK_EDGES = 2000;

/** Rings need distinct vertices, no antipodal edges and (for sizes checked) no crossing edges. */
function ringsValid(rings: Vec3[][]): boolean {
  let total = 0;
  for (const r of rings) {
    if (r.length < 3) return false;
    for (let i = 0; i < r.length; i++) {
      const a = r[i]!;
      const b = r[(i + 1) % r.length]!;
      if (sameVec(a, b) || isAntipodal(a, b)) return false;
    }
    total += r.length;
  }
  if (total > MAX_CROSSING_CHECK_EDGES) return true;
  const edges: [Vec3, Vec3][] = [];
  for (const r of rings) for (let i = 0; i < r.length; i++) edges.push([r[i]!, r[(i + 1) % r.length]!]);
  for (let i = 0; i < edges.length; i++) {
    const [a, b] = edges[i]!;
    for (let j = i + 1; j < edges.length; j++) {
      const [c, d] = edges[j]!;
      // Edges that share a vertex may touch there; only interior crossings are invalid.
      if (sameVec(a, c) || sameVec(a, d) || sameVec(b, c) || sameVec(b, d)) continue;
      if (properCrossing(a, b, c, d)) return false;
    }
  }
  return true;
}

/** True when ab and cd cross at a point interior to both. */
function properCrossing(a: Vec3, b: Vec3, c: Vec3, d: Vec3): boolean {
  const x = edgeIntersection(a, b, c, d);
  if (x === null) return false;
  return !sameVec(x, a) && !sameVec(x, b) && !sameVec(x, c) && !sameVec(x, d);
}

export function s2Point(p: Vec3): S2Point {
  return new s2.Point(p[0], p[1], p[2]);
}

export function pointJson(c: LngLat): { type: 'Point'; coordinates: LngLat } {
  return { type: 'Point', coordinates: [c[0], c[1]] };
}

export function polygonJson(ring: LngLat[]): { type: 'Polygon'; coordinates: LngLat[][] } {
  const closed = ring.map((c) => [c[0], c[1]] as LngLat);
  closed.push([ring[0]![0], ring[0]![1]]);
  return { type: 'Polygon', coordinates: [closed] };
}

/** A list of lines as LineString (one) or MultiLineString. */
export function linesJson(lines: LngLat[][]): unknown {
  if (lines.length === 1) return { type: 'LineString', coordinates: lines[0] };
  return { type: 'MultiLineString', coordinates: lines };
}

/** Rings per polygon (each ring without its closing position) as Polygon or MultiPolygon. */
export function polygonsJson(polys: LngLat[][][]): unknown {
  const close = (r: LngLat[]) => [...r, r[0]!];
  if (polys.length === 1) return { type: 'Polygon', coordinates: polys[0]!.map(close) };
  return { type: 'MultiPolygon', coordinates: polys.map((p) => p.map(close)) };
}

export const EMPTY_COLLECTION = (): unknown => ({ type: 'GeometryCollection', geometries: [] });
