/**
 * Operations on whole shapes: distances to polygons, S2 cell coverings, intersection tests and
 * intersections of lines, densification of planar edges into geodesic chains, and
 * simplification.
 */
import type s2js from 's2js';
import { lazyRequire } from '../lazy-require.js';
import {
  type LngLat, type Vec3, angleBetween, cross, distanceToEdge, edgeIntersection, norm,
  normalize, projectOnEdge, sameVec, toLngLat, toPoint,
} from './sphere.js';
import {
  type LineShape, type PolygonShape, EMPTY_COLLECTION, linesJson, pointJson, polygonArea, polygonContains, s2Point,
} from './geojson.js';
import type { CellID } from './cells.js';

const s2: typeof s2js.s2 = lazyRequire('s2js', (m) => m.s2);
const cellid: typeof s2js.s2.cellid = lazyRequire('s2js', (m) => m.s2.cellid);

// ------------------------------------------------------------------ distances

/** The closest point of a polygon (itself when inside) and its distance in radians. */
export function polygonDistance(x: Vec3, shape: PolygonShape): { point: Vec3; dist: number } {
  if (polygonContains(shape, x)) return { point: x, dist: 0 };
  let best: Vec3 = shape.rings[0]![0]!;
  let dist = Infinity;
  for (const r of shape.rings) {
    for (let i = 0; i < r.length; i++) {
      const p = projectOnEdge(x, r[i]!, r[(i + 1) % r.length]!);
      const d = angleBetween(x, p);
      if (d < dist) { dist = d; best = p; }
    }
  }
  return { point: best, dist };
}

// ------------------------------------------------------------------ S2 coverings

/** Average area (steradians) and edge length (radians) of an S2 cell at a level. */
const cellArea = (level: number) => (4 * Math.PI) / (6 * 4 ** level);
const cellEdge = (level: number) => Math.sqrt(cellArea(level));

const byId = (a: CellID, b: CellID) => (a < b ? -1 : a > b ? 1 : 0);

/** Squared chord length of an angle, the unit of s2js distance results. */
const chord2 = (angle: number) => {
  const c = 2 * Math.sin(Math.min(angle, Math.PI) / 2);
  return c * c;
};

/** Edges of the shape, for distance tests. */
type Edge = [Vec3, Vec3];

function lineEdges(shape: LineShape): Edge[] {
  const out: Edge[] = [];
  for (const { points } of shape.lines) {
    if (points.length === 1) out.push([points[0]!, points[0]!]);
    for (let i = 1; i < points.length; i++) out.push([points[i - 1]!, points[i]!]);
  }
  return out;
}

function ringEdges(shape: PolygonShape): Edge[] {
  const out: Edge[] = [];
  for (const r of shape.rings) for (let i = 0; i < r.length; i++) out.push([r[i]!, r[(i + 1) % r.length]!]);
  return out;
}

/** True when some point of the cell is within `limit` (squared chord) of an edge. */
function cellNearEdges(id: CellID, edges: Edge[], limit: number): boolean {
  const cell = s2.Cell.fromCellID(id);
  for (const [a, b] of edges) {
    if (cell.distanceToEdge(s2Point(a), s2Point(b)) <= limit) return true;
  }
  return false;
}

/**
 * Adds to `cells` every cell of the same level reachable through neighbors that lies within
 * `radius` of the edges; null when the count passes `max`.
 */
function growCovering(cells: CellID[], level: number, edges: Edge[], radius: number, max: number): CellID[] | null {
  const limit = chord2(radius);
  const seen = new Set<CellID>(cells);
  const queue = [...cells];
  while (queue.length > 0) {
    const id = queue.pop()!;
    for (const n of cellid.allNeighbors(id, level)) {
      if (seen.has(n)) continue;
      seen.add(n);
      if (!cellNearEdges(n, edges, limit)) continue;
      cells.push(n);
      if (cells.length > max) return null;
      queue.push(n);
    }
  }
  return cells.sort(byId);
}

function cover(region: InstanceType<typeof s2.Polygon> | InstanceType<typeof s2.Polyline>, level: number): CellID[] {
  const coverer = new s2.RegionCoverer({ minLevel: level, maxLevel: level, levelMod: 1, maxCells: 1 << 30 });
  return [...coverer.covering(region)];
}

/** The cells of one level covering a polygon and all points within `radius` radians of it. */
export function coverPolygon(shape: PolygonShape, level: number, radius: number, max: number): CellID[] | null {
  const perimeter = ringEdges(shape).reduce((s, [a, b]) => s + angleBetween(a, b), 0);
  // A lower bound of the cell count, to refuse hopeless coverings before computing them.
  const estimate = (polygonArea(shape) + perimeter * radius) / cellArea(level) + perimeter / (4 * cellEdge(level));
  if (estimate > max) return null;
  const set = new Set<CellID>();
  for (const part of shape.parts) {
    for (const c of cover(part, level)) set.add(c);
    if (set.size > max) return null;
  }
  const cells = [...set].sort(byId);
  if (radius <= 0) return cells;
  return growCovering(cells, level, ringEdges(shape), radius, max);
}

/** The cells of one level covering a line and all points within `radius` radians of it. */
export function coverLine(shape: LineShape, level: number, radius: number, max: number): CellID[] | null {
  const edges = lineEdges(shape);
  const length = edges.reduce((s, [a, b]) => s + angleBetween(a, b), 0);
  const estimate = (length * 2 * radius) / cellArea(level) + length / (4 * cellEdge(level));
  if (estimate > max) return null;
  const set = new Set<CellID>();
  for (const { points } of shape.lines) {
    for (const c of cover(new s2.Polyline(points.map(s2Point)), level)) set.add(c);
    if (set.size > max) return null;
  }
  const cells = [...set].sort(byId);
  if (radius <= 0) return cells;
  return growCovering(cells, level, edges, radius, max);
}

// ------------------------------------------------------------------ intersections

function forEachEdge(shape: LineShape, f: (a: Vec3, b: Vec3) => boolean | void): boolean {
  for (const { points } of shape.lines) {
    for (let i = 1; i < points.length; i++) if (f(points[i - 1]!, points[i]!)) return true;
  }
  return false;
}

export function linesIntersect(a: LineShape, b: LineShape): boolean {
  return forEachEdge(a, (a0, a1) => forEachEdge(b, (b0, b1) => edgeIntersection(a0, a1, b0, b1) !== null));
}

export function lineIntersectsPolygon(line: LineShape, poly: PolygonShape): boolean {
  for (const { points } of line.lines) {
    for (const p of points) if (polygonContains(poly, p)) return true;
  }
  const edges = ringEdges(poly);
  return forEachEdge(line, (a, b) => edges.some(([c, d]) => edgeIntersection(a, b, c, d) !== null));
}

export function intersectsPolygons(a: PolygonShape, b: PolygonShape): boolean {
  if (a.parts.some((pa) => b.parts.some((pb) => pa.intersects(pb)))) return true;
  // Polygons that only touch along their boundaries still intersect.
  const eb = ringEdges(b);
  return ringEdges(a).some(([p, q]) => eb.some(([c, d]) => edgeIntersection(p, q, c, d) !== null));
}

/** The points shared by two lines: a Point, a MultiPoint, or an empty collection. */
export function intersectLines(a: LineShape, b: LineShape): unknown {
  const found: Vec3[] = [];
  forEachEdge(a, (a0, a1) => {
    forEachEdge(b, (b0, b1) => {
      const x = edgeIntersection(a0, a1, b0, b1);
      if (x !== null && !found.some((f) => angleBetween(f, x) < 1e-15)) found.push(x);
    });
  });
  if (found.length === 0) return EMPTY_COLLECTION();
  if (found.length === 1) return pointJson(toLngLat(found[0]!));
  return { type: 'MultiPoint', coordinates: found.map(toLngLat) };
}

/** The parts of a line inside a polygon, as LineString, MultiLineString or an empty collection. */
export function intersectLineWithPolygon(line: LineShape, poly: PolygonShape): unknown {
  const edges = ringEdges(poly);
  const inside = (p: Vec3) => polygonContains(poly, p);
  const out: Vec3[][] = [];
  let current: Vec3[] | null = null;
  const close = () => {
    if (current !== null && current.length >= 2) out.push(current);
    current = null;
  };
  for (const { points } of line.lines) {
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      // Split the edge where it crosses the boundary; keep the pieces whose middle is inside.
      const cuts: { t: number; p: Vec3 }[] = [];
      const ab = angleBetween(a, b);
      for (const [c, d] of edges) {
        const x = edgeIntersection(a, b, c, d);
        if (x !== null) cuts.push({ t: angleBetween(a, x) / ab, p: x });
      }
      cuts.sort((u, v) => u.t - v.t);
      const stops = [{ t: 0, p: a }, ...cuts, { t: 1, p: b }];
      for (let k = 1; k < stops.length; k++) {
        const s = stops[k - 1]!;
        const e = stops[k]!;
        if (sameVec(s.p, e.p)) continue;
        const mid = normalize([s.p[0] + e.p[0], s.p[1] + e.p[1], s.p[2] + e.p[2]]);
        if (inside(mid)) {
          if (current === null) current = [s.p];
          current.push(e.p);
        } else {
          close();
        }
      }
    }
    close();
  }
  if (out.length === 0) return EMPTY_COLLECTION();
  return linesJson(out.map((l) => l.map(toLngLat)));
}

// ------------------------------------------------------------------ densify

/** Most points a densified shape may have. */
const MAX_DENSIFIED_POINTS = 10485760;

/** A raw position for densification: latitude in range, any finite longitude. */
function rawPosition(v: unknown): LngLat | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [lng, lat] = v as unknown[];
  if (typeof lng !== 'number' || typeof lat !== 'number') return null;
  if (!Number.isFinite(lng) || !Number.isFinite(lat) || lat < -90 || lat > 90) return null;
  return [lng, lat];
}

function rawPositions(v: unknown, min: number): LngLat[] | null {
  if (!Array.isArray(v) || v.length < min) return null;
  const out: LngLat[] = [];
  for (const p of v) {
    const c = rawPosition(p);
    if (c === null) return null;
    out.push(c);
  }
  return out;
}

/**
 * Appends to `out` the points that replace the planar edge a→b (excluding a, including b): the
 * planar midpoint is inserted, recursively, while it lies farther than `tol` radians from the
 * geodesic between the edge's ends.
 */
function densifyEdge(a: LngLat, b: LngLat, pa: Vec3, pb: Vec3, tol: number, out: LngLat[], budget: { left: number }): boolean {
  const m: LngLat = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const pm = toPoint(m[0], m[1]);
  if (distanceToEdge(pm, pa, pb) > tol) {
    if (--budget.left < 0) return false;
    if (!densifyEdge(a, m, pa, pm, tol, out, budget)) return false;
    out.push(m);
    if (!densifyEdge(m, b, pm, pb, tol, out, budget)) return false;
  }
  return true;
}

function densifyChain(coords: LngLat[], tol: number, budget: { left: number }): LngLat[] | null {
  const out: LngLat[] = [coords[0]!];
  for (let i = 1; i < coords.length; i++) {
    const a = coords[i - 1]!;
    const b = coords[i]!;
    if (!densifyEdge(a, b, toPoint(a[0], a[1]), toPoint(b[0], b[1]), tol, out, budget)) return null;
    out.push(b);
  }
  return out;
}

/** Positions as unit vectors and back, which also brings longitudes into [-180, 180]. */
const roundTrip = (c: LngLat): LngLat => toLngLat(toPoint(c[0], c[1]));

/** Splits a chain of positions where a geodesic edge crosses the antimeridian. */
function splitAtAntimeridian(chain: LngLat[]): LngLat[][] {
  const parts: LngLat[][] = [];
  let cur: LngLat[] = [chain[0]!];
  for (let i = 1; i < chain.length; i++) {
    const p = chain[i - 1]!;
    const q = chain[i]!;
    if (Math.abs(q[0] - p[0]) > 180) {
      const lat = antimeridianLatitude(toPoint(p[0], p[1]), toPoint(q[0], q[1]));
      cur.push([p[0] < 0 ? -180 : 180, lat]);
      parts.push(cur);
      cur = [[q[0] < 0 ? -180 : 180, lat]];
    }
    cur.push(q);
  }
  parts.push(cur);
  return parts;
}

/** Latitude where the geodesic pq meets the antimeridian. */
function antimeridianLatitude(p: Vec3, q: Vec3): number {
  const n = cross(p, q);
  // The meridian plane is y = 0; the crossing lies on its x < 0 half.
  let x: Vec3 = cross(n, [0, 1, 0]);
  if (norm(x) === 0) return toLngLat(p)[1];
  if (x[0] > 0) x = [-x[0], -x[1], -x[2]];
  return toLngLat(normalize(x))[1];
}

export function densifyLines(v: unknown, tol: number, preserveCrossing: boolean): unknown {
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  if (o === null) return null;
  let raw: unknown[];
  if (o.type === 'LineString') raw = [o.coordinates];
  else if (o.type === 'MultiLineString' && Array.isArray(o.coordinates) && o.coordinates.length > 0) raw = o.coordinates;
  else return null;
  const budget = { left: MAX_DENSIFIED_POINTS };
  const out: LngLat[][] = [];
  for (const r of raw) {
    const coords = rawPositions(r, 2);
    if (coords === null) return null;
    const chain = densifyChain(coords, tol, budget);
    if (chain === null) return null;
    const normalized = chain.map(roundTrip);
    if (preserveCrossing) out.push(normalized);
    else out.push(...splitAtAntimeridian(normalized));
  }
  return linesJson(out);
}

export function densifyPolygon(v: unknown, tol: number, _preserveCrossing: boolean): unknown {
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  if (o === null) return null;
  let raw: unknown[];
  if (o.type === 'Polygon') raw = [o.coordinates];
  else if (o.type === 'MultiPolygon' && Array.isArray(o.coordinates) && o.coordinates.length > 0) raw = o.coordinates;
  else return null;
  const budget = { left: MAX_DENSIFIED_POINTS };
  const polys: LngLat[][][] = [];
  for (const p of raw) {
    if (!Array.isArray(p) || p.length === 0) return null;
    const rings: LngLat[][] = [];
    for (let k = 0; k < p.length; k++) {
      const coords = rawPositions(p[k], 4);
      if (coords === null) return null;
      const first = coords[0]!;
      const last = coords[coords.length - 1]!;
      if (first[0] !== last[0] || first[1] !== last[1]) return null;
      let ring = coords.slice(0, -1);
      if (ring.length < 3) return null;
      // Rings are oriented as S2 normalizes them: shells counter-clockwise, holes clockwise.
      const ccw = ringIsCcw(ring.map(([lng, lat]) => toPoint(lng, lat)));
      if (ccw === null) return null;
      if (ccw !== (k === 0)) ring = ring.reverse();
      const chain = densifyChain([...ring, ring[0]!], tol, budget);
      if (chain === null) return null;
      rings.push(chain.map(roundTrip));
    }
    polys.push(rings);
  }
  if (polys.length === 1) return { type: 'Polygon', coordinates: polys[0] };
  return { type: 'MultiPolygon', coordinates: polys };
}

/** Whether a ring turns counter-clockwise (encloses less than half the sphere on its left). */
function ringIsCcw(ring: Vec3[]): boolean | null {
  const loop = new s2.Loop(ring.map(s2Point));
  if (loop.findValidationErrorNoIndex() !== null) return null;
  return loop.turningAngle() > 0;
}

// ------------------------------------------------------------------ simplify

/**
 * Simplifies a chain so that no two kept vertices are closer than `tol` and every dropped vertex
 * lies within `tol` of the kept chain (vertex merging, then Douglas-Peucker).
 */
function simplifyChain(points: Vec3[], tol: number, closed: boolean): Vec3[] {
  const merged: Vec3[] = [];
  for (const p of points) {
    if (merged.length === 0 || angleBetween(merged[merged.length - 1]!, p) >= tol) merged.push(p);
  }
  if (closed) {
    while (merged.length > 1 && angleBetween(merged[merged.length - 1]!, merged[0]!) < tol) merged.pop();
    if (merged.length < 3) return [];
    const chain = douglasPeucker([...merged, merged[0]!], tol);
    chain.pop();
    return chain.length >= 3 ? chain : [];
  }
  if (merged.length < 2) return [];
  return douglasPeucker(merged, tol);
}

function douglasPeucker(points: Vec3[], tol: number): Vec3[] {
  const keep = new Array<boolean>(points.length).fill(false);
  keep[0] = true;
  keep[points.length - 1] = true;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    let worst = -1;
    let worstDist = tol;
    for (let k = i + 1; k < j; k++) {
      const d = sameVec(points[i]!, points[j]!) ? angleBetween(points[k]!, points[i]!) : distanceToEdge(points[k]!, points[i]!, points[j]!);
      if (d > worstDist) { worstDist = d; worst = k; }
    }
    if (worst >= 0) {
      keep[worst] = true;
      stack.push([i, worst], [worst, j]);
    }
  }
  return points.filter((_, k) => keep[k]);
}

export function simplifyLines(shape: LineShape, tol: number): LngLat[][] | null {
  const out: LngLat[][] = [];
  for (const { points } of shape.lines) {
    const s = simplifyChain(points, tol, false);
    if (s.length >= 2) out.push(s.map(toLngLat));
  }
  return out.length === 0 ? null : out;
}

export function simplifyPolygon(shape: PolygonShape, tol: number): unknown {
  const polys: LngLat[][][] = [];
  let ringIndex = 0;
  for (const p of shape.polygons) {
    const rings: LngLat[][] = [];
    for (let k = 0; k < p.length; k++) {
      const ring = shape.rings[ringIndex++]!;
      const s = simplifyChain(ring, tol, true);
      if (s.length >= 3) rings.push(s.map(toLngLat));
      else if (k === 0) break;
    }
    if (rings.length > 0) polys.push(rings);
  }
  if (polys.length === 0) return null;
  const close = (r: LngLat[]) => [...r, r[0]!];
  if (polys.length === 1) return { type: 'Polygon', coordinates: polys[0]!.map(close) };
  return { type: 'MultiPolygon', coordinates: polys.map((p) => p.map(close)) };
}


// ------------------------------------------------------------------ unions

/**
 * Length (radians) of the boundary of the union of a shape's polygons: ring edges are cut where
 * they cross another polygon's rings, and the pieces lying inside another polygon are dropped.
 */
export function unionPerimeter(shape: PolygonShape): number {
  const perPart = shape.parts.length;
  const ringsOf: Vec3[][][] = [];
  let k = 0;
  for (const p of shape.polygons) {
    ringsOf.push(shape.rings.slice(k, k + p.length));
    k += p.length;
  }
  let total = 0;
  for (let i = 0; i < perPart; i++) {
    const others = shape.parts.filter((_, j) => j !== i);
    const otherEdges: Edge[] = [];
    ringsOf.forEach((rs, j) => {
      if (j === i) return;
      for (const r of rs) for (let e = 0; e < r.length; e++) otherEdges.push([r[e]!, r[(e + 1) % r.length]!]);
    });
    for (const r of ringsOf[i]!) {
      for (let e = 0; e < r.length; e++) {
        const a = r[e]!;
        const b = r[(e + 1) % r.length]!;
        const ab = angleBetween(a, b);
        const cuts: { t: number; p: Vec3 }[] = [{ t: 0, p: a }, { t: 1, p: b }];
        for (const [c, d] of otherEdges) {
          const x = edgeIntersection(a, b, c, d);
          if (x !== null) cuts.push({ t: angleBetween(a, x) / ab, p: x });
        }
        cuts.sort((u, v) => u.t - v.t);
        for (let q = 1; q < cuts.length; q++) {
          const s = cuts[q - 1]!.p;
          const t = cuts[q]!.p;
          const mid = normalize([s[0] + t[0], s[1] + t[1], s[2] + t[2]]);
          const sp = s2Point(mid);
          if (!others.some((o) => o.containsPoint(sp))) total += angleBetween(s, t);
        }
      }
    }
  }
  return total;
}

/** Key of a vertex for matching line ends exactly. */
const vkey = (p: Vec3) => `${p[0]},${p[1]},${p[2]}`;

/**
 * The union of lines: shared edges (in either direction) appear once, and the distinct edges are
 * chained into as few lines as possible, in input order.
 */
export function unionLines(shapes: LineShape[]): LngLat[][] {
  const edges: [Vec3, Vec3][] = [];
  const seen = new Set<string>();
  for (const s of shapes) {
    for (const { points } of s.lines) {
      for (let i = 1; i < points.length; i++) {
        const a = points[i - 1]!;
        const b = points[i]!;
        if (sameVec(a, b)) continue;
        const k1 = vkey(a) + '|' + vkey(b);
        const k2 = vkey(b) + '|' + vkey(a);
        if (seen.has(k1) || seen.has(k2)) continue;
        seen.add(k1);
        edges.push([a, b]);
      }
    }
  }
  const from = new Map<string, number[]>();
  const degree = new Map<string, number>();
  edges.forEach(([a, b], i) => {
    const ka = vkey(a);
    if (!from.has(ka)) from.set(ka, []);
    from.get(ka)!.push(i);
    degree.set(ka, (degree.get(ka) ?? 0) + 1);
    degree.set(vkey(b), (degree.get(vkey(b)) ?? 0) + 1);
  });
  const used = new Array<boolean>(edges.length).fill(false);
  const chains: Vec3[][] = [];
  for (let i = 0; i < edges.length; i++) {
    if (used[i]) continue;
    used[i] = true;
    const chain = [edges[i]![0], edges[i]![1]];
    // Extend forward through vertices where exactly one line passes.
    for (;;) {
      const end = vkey(chain[chain.length - 1]!);
      if (degree.get(end) !== 2) break;
      const next = (from.get(end) ?? []).find((j) => !used[j]);
      if (next === undefined) break;
      used[next] = true;
      chain.push(edges[next]![1]);
    }
    chains.push(chain);
  }
  return chains.map((c) => c.map(toLngLat));
}
