/**
 * Geospatial functions (geo_*). Kusto builds them on Google's S2 library: coordinates are WGS-84
 * degrees read as points on a sphere of radius 6371010 m, edges are geodesics, and a ring
 * bounds the smaller of the two regions it splits the sphere into. Shapes are GeoJSON dynamic
 * values. Invalid input gives null (or "" for functions returning a string), never an error.
 * Helpers live in ./geo/: sphere math, GeoJSON parsing, grid systems, WKT and shape operations.
 */
import type h3Module from 'h3-js';
import type geodesicModule from 'geographiclib-geodesic';
import { lazyRequire } from './lazy-require.js';
import { facts } from '../../diagnostics/facts.js';
import { asBool, asNumber } from './conversion.js';
import type { BindContext, RowFn, ScalarFunction } from './types.js';
import {
  EARTH_RADIUS_M, type LngLat, type Vec3, angleBetween, azimuth, degenerateEdge, edgeTrueCentroid,
  add, haversine, interpolate, norm, projectOnEdge, regularPolygon, toLngLat, toPoint, validLngLat,
} from './geo/sphere.js';
import {
  type LineShape, type PolygonShape, EMPTY_COLLECTION, buildPolygon, linesJson, parseLine, parsePolygon, pointJson, polygonJson, polygonContains,
  polygonArea as polygonAreaOf, polygonCentroid as polygonCentroidOf,
} from './geo/geojson.js';
import {
  GEOHASH_MAX, S2_MAX_LEVEL, boxRing, geohashBox, geohashEncode, geohashNeighbors, s2CellCenter, s2CellOf,
  s2CellVertices, s2FromToken, s2Neighbors, s2Token,
} from './geo/cells.js';
import { parseWkt } from './geo/wkt.js';

const h3: typeof h3Module = lazyRequire('h3-js');
const geodesic: typeof geodesicModule = lazyRequire('geographiclib-geodesic');
import {
  coverLine, coverPolygon, densifyLines, densifyPolygon, intersectLines, intersectLineWithPolygon,
  intersectsPolygons, lineIntersectsPolygon, linesIntersect, polygonDistance, simplifyLines, simplifyPolygon,
  unionLines, unionPerimeter,
} from './geo/ops.js';

/** How an argument is read: a number (int, long, real), a dynamic shape, a string, or a bool. */
type Kind = 'n' | 'd' | 's' | 'b';

function reader(kind: Kind, t: BindContext['args'][number]['type']): (v: unknown) => unknown {
  switch (kind) {
    case 'n': return asNumber(t);
    case 'b': return asBool(t);
    case 's': return (v) => (typeof v === 'string' ? v : null);
    case 'd': return (v) => v;
  }
}

/**
 * A geo function over arguments of the given kinds; `impl` sees converted values (a missing
 * optional argument is undefined) and returns the result, null for invalid input.
 */
function geo(name: string, kinds: Kind[], impl: (...a: any[]) => unknown, nullResult: unknown = null): ScalarFunction {
  return {
    name,
    bind(ctx): RowFn {
      const rs = ctx.args.map((a, i) => reader(kinds[i] ?? 'd', a.type));
      const n = rs.length;
      return (...vals) => {
        const xs = new Array<unknown>(n);
        for (let i = 0; i < n; i++) {
          const x = rs[i]!(vals[i]);
          if (x === null || x === undefined) return nullResult;
          xs[i] = x;
        }
        const r = impl(...xs);
        return r === null || r === undefined ? nullResult : r;
      };
    },
  };
}

/** A geo function returning a string: invalid input gives "". */
const geoText = (name: string, kinds: Kind[], impl: (...a: any[]) => string | null) => geo(name, kinds, impl, '');

const meters = (radians: number) => radians * EARTH_RADIUS_M;
const isInt = (x: number) => Number.isInteger(x);

// ------------------------------------------------------------------ points and distances

const distance2Points = geo('geo_distance_2points', ['n', 'n', 'n', 'n', 'b'], (lng1: number, lat1: number, lng2: number, lat2: number, spheroid?: boolean) => {
  if (!validLngLat(lng1, lat1) || !validLngLat(lng2, lat2)) return null;
  // The ellipsoidal distance is GeographicLib's WGS-84 geodesic.
  if (spheroid) return geodesic.Geodesic.WGS84.Inverse(lat1, lng1, lat2, lng2).s12 ?? null;
  return meters(haversine(lng1, lat1, lng2, lat2));
});

const geoAzimuth = geo('geo_azimuth', ['n', 'n', 'n', 'n'], (lng1: number, lat1: number, lng2: number, lat2: number) => {
  if (!validLngLat(lng1, lat1) || !validLngLat(lng2, lat2)) return null;
  if (degenerateEdge(toPoint(lng1, lat1), toPoint(lng2, lat2))) return null;
  return azimuth(lng1, lat1, lng2, lat2);
});

const geoAngle = geo('geo_angle', ['n', 'n', 'n', 'n', 'n', 'n'], (lng1: number, lat1: number, lng2: number, lat2: number, lng3: number, lat3: number) => {
  if (!validLngLat(lng1, lat1) || !validLngLat(lng2, lat2) || !validLngLat(lng3, lat3)) return null;
  const p2 = toPoint(lng2, lat2);
  if (degenerateEdge(toPoint(lng1, lat1), p2) || degenerateEdge(p2, toPoint(lng3, lat3))) return null;
  // Clockwise from the line back to p1 to the line on to p3, both seen from p2.
  let a = azimuth(lng2, lat2, lng3, lat3) - azimuth(lng2, lat2, lng1, lat1);
  if (a < 0) a += 2 * Math.PI;
  return a >= 2 * Math.PI ? 0 : a;
});

const pointInCircle = geo('geo_point_in_circle', ['n', 'n', 'n', 'n', 'n'], (lng: number, lat: number, clng: number, clat: number, radius: number) => {
  if (!validLngLat(lng, lat) || !validLngLat(clng, clat) || !(radius >= 0) || !Number.isFinite(radius)) return null;
  return meters(haversine(lng, lat, clng, clat)) <= radius;
});

/** The closest point of a set of polylines to x, with its distance in radians. */
function closestOnLines(x: Vec3, shape: LineShape): { point: Vec3; dist: number } {
  let best: Vec3 = shape.lines[0]!.points[0]!;
  let dist = Infinity;
  for (const { points } of shape.lines) {
    for (let i = 1; i < points.length; i++) {
      const p = projectOnEdge(x, points[i - 1]!, points[i]!);
      const d = angleBetween(x, p);
      if (d < dist) { dist = d; best = p; }
    }
  }
  return { point: best, dist };
}

const distancePointToLine = geo('geo_distance_point_to_line', ['n', 'n', 'd'], (lng: number, lat: number, line: unknown) => {
  if (!validLngLat(lng, lat)) return null;
  const shape = parseLine(line);
  if (shape === null) return null;
  return meters(closestOnLines(toPoint(lng, lat), shape).dist);
});

const closestPointOnLine = geo('geo_closest_point_on_line', ['n', 'n', 'd'], (lng: number, lat: number, line: unknown) => {
  if (!validLngLat(lng, lat)) return null;
  const shape = parseLine(line);
  if (shape === null) return null;
  return pointJson(toLngLat(closestOnLines(toPoint(lng, lat), shape).point));
});

const distancePointToPolygon = geo('geo_distance_point_to_polygon', ['n', 'n', 'd'], (lng: number, lat: number, polygon: unknown) => {
  if (!validLngLat(lng, lat)) return null;
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  return meters(polygonDistance(toPoint(lng, lat), shape).dist);
});

const closestPointOnPolygon = geo('geo_closest_point_on_polygon', ['n', 'n', 'd'], (lng: number, lat: number, polygon: unknown) => {
  if (!validLngLat(lng, lat)) return null;
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  return pointJson(toLngLat(polygonDistance(toPoint(lng, lat), shape).point));
});

const pointInPolygon = geo('geo_point_in_polygon', ['n', 'n', 'd'], (lng: number, lat: number, polygon: unknown) => {
  if (!validLngLat(lng, lat)) return null;
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  return polygonContains(shape, toPoint(lng, lat));
});

/**
 * Vertex count of a regular polygon whose edges stray at most `tolerance` inside the circle of
 * `radius`; null for a tolerance under a millionth of the radius. A tolerance at or past the
 * radius gives the coarsest polygon, a triangle.
 */
function bufferVertexCount(radius: number, tolerance: number): number | null {
  if (!(tolerance > 0) || !Number.isFinite(tolerance) || tolerance < radius * 1e-6) return null;
  if (tolerance >= radius) return 3;
  return Math.max(3, Math.ceil(Math.PI / Math.acos(1 - tolerance / radius)));
}

const pointBuffer = geo('geo_point_buffer', ['n', 'n', 'n', 'n'], (lng: number, lat: number, radius: number, tolerance = 10) => {
  if (!validLngLat(lng, lat) || !(radius > 0) || radius / EARTH_RADIUS_M >= Math.PI / 2) return null;
  const n = bufferVertexCount(radius, tolerance);
  if (n === null) return null;
  return polygonJson(regularPolygon(toPoint(lng, lat), radius / EARTH_RADIUS_M, n).map(toLngLat));
});

/**
 * Buffers of lines and polygons: the input is checked (invalid input gives null) but building
 * the buffered shape, S2's buffer operation, is not implemented.
 */
function shapeBuffer(name: string, parse: (v: unknown) => unknown): ScalarFunction {
  return {
    name,
    bind(ctx): RowFn {
      const num = ctx.args.slice(1).map((a) => asNumber(a.type));
      return (shape: unknown, ...rest: unknown[]) => {
        const radius = num[0]!(rest[0]);
        const tolerance = rest.length > 1 ? num[1]!(rest[1]) : 10;
        if (radius === null || tolerance === null || !(radius > 0) || !Number.isFinite(radius)) return null;
        if (bufferVertexCount(radius, tolerance) === null || parse(shape) === null) return null;
        throw facts.unsupportedFunction(name, ctx.span);
      };
    },
  };
}

const lineBuffer = shapeBuffer('geo_line_buffer', parseLine);
const polygonBuffer = shapeBuffer('geo_polygon_buffer', parsePolygon);

// ------------------------------------------------------------------ lines

function lineLength(points: Vec3[]): number {
  let s = 0;
  for (let i = 1; i < points.length; i++) s += angleBetween(points[i - 1]!, points[i]!);
  return s;
}

const geoLineLength = geo('geo_line_length', ['d'], (line: unknown) => {
  const shape = parseLine(line);
  if (shape === null) return null;
  let s = 0;
  for (const l of shape.lines) s += lineLength(l.points);
  return meters(s);
});

const lineCentroid = geo('geo_line_centroid', ['d'], (line: unknown) => {
  const shape = parseLine(line);
  if (shape === null) return null;
  let c: Vec3 = [0, 0, 0];
  for (const { points } of shape.lines) {
    for (let i = 1; i < points.length; i++) c = add(c, edgeTrueCentroid(points[i - 1]!, points[i]!));
  }
  if (norm(c) === 0) return null;
  return pointJson(toLngLat(c));
});

/** S2Polyline::Interpolate over a single line. */
function interpolateLine(points: Vec3[], fraction: number): Vec3 {
  if (fraction <= 0) return points[0]!;
  const total = lineLength(points);
  let target = fraction * total;
  for (let i = 1; i < points.length; i++) {
    const len = angleBetween(points[i - 1]!, points[i]!);
    if (target < len) return interpolate(target / len, points[i - 1]!, points[i]!);
    target -= len;
  }
  return points[points.length - 1]!;
}

const lineInterpolatePoint = geo('geo_line_interpolate_point', ['d', 'n'], (line: unknown, fraction: number) => {
  const shape = parseLine(line);
  if (shape === null || shape.lines.length !== 1 || !(fraction >= 0 && fraction <= 1)) return null;
  return pointJson(toLngLat(interpolateLine(shape.lines[0]!.points, fraction)));
});

const lineLocatePoint = geo('geo_line_locate_point', ['d', 'n', 'n'], (line: unknown, lng: number, lat: number) => {
  const shape = parseLine(line);
  if (shape === null || shape.lines.length !== 1 || !validLngLat(lng, lat)) return null;
  const points = shape.lines[0]!.points;
  const x = toPoint(lng, lat);
  // S2Polyline::Project, then UnInterpolate: the fraction of the length up to the closest point.
  let best = 1;
  let bestDist = Infinity;
  let bestPoint = points[0]!;
  for (let i = 1; i < points.length; i++) {
    const p = projectOnEdge(x, points[i - 1]!, points[i]!);
    const d = angleBetween(x, p);
    if (d < bestDist) { bestDist = d; best = i; bestPoint = p; }
  }
  const total = lineLength(points);
  if (total === 0) return 0;
  let along = 0;
  for (let i = 1; i < best; i++) along += angleBetween(points[i - 1]!, points[i]!);
  along += angleBetween(points[best - 1]!, bestPoint);
  return Math.min(1, along / total);
});

// ------------------------------------------------------------------ polygons

const polygonArea = geo('geo_polygon_area', ['d'], (polygon: unknown) => {
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  return polygonAreaOf(shape) * EARTH_RADIUS_M * EARTH_RADIUS_M;
});

const polygonPerimeter = geo('geo_polygon_perimeter', ['d'], (polygon: unknown) => {
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  if (shape.parts.length > 1) return meters(unionPerimeter(shape));
  let s = 0;
  for (const r of shape.rings) s += lineLength([...r, r[0]!]);
  return meters(s);
});

const polygonCentroid = geo('geo_polygon_centroid', ['d'], (polygon: unknown) => {
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  const c = polygonCentroidOf(shape);
  if (norm(c) === 0) return null;
  return pointJson(toLngLat(c));
});

// ------------------------------------------------------------------ geohash

const pointToGeohash = geoText('geo_point_to_geohash', ['n', 'n', 'n'], (lng: number, lat: number, accuracy = 5) => {
  if (!validLngLat(lng, lat) || !isInt(accuracy) || accuracy < 1 || accuracy > GEOHASH_MAX) return null;
  return geohashEncode(lng, lat, accuracy);
});

const geohashToCentralPoint = geo('geo_geohash_to_central_point', ['s'], (hash: string) => {
  const b = geohashBox(hash);
  return b === null ? null : pointJson([(b.west + b.east) / 2, (b.south + b.north) / 2]);
});

const geohashToPolygon = geo('geo_geohash_to_polygon', ['s'], (hash: string) => {
  const b = geohashBox(hash);
  return b === null ? null : polygonJson(boxRing(b));
});

const geohashNeighborsFn = geo('geo_geohash_neighbors', ['s'], (hash: string) => geohashNeighbors(hash));

// ------------------------------------------------------------------ S2 cells

const pointToS2Cell = geoText('geo_point_to_s2cell', ['n', 'n', 'n'], (lng: number, lat: number, level = 11) => {
  if (!validLngLat(lng, lat) || !isInt(level) || level < 0 || level > S2_MAX_LEVEL) return null;
  return s2Token(s2CellOf(lng, lat, level));
});

const s2CellToCentralPoint = geo('geo_s2cell_to_central_point', ['s'], (token: string) => {
  const id = s2FromToken(token);
  return id === null ? null : pointJson(s2CellCenter(id));
});

const s2CellToPolygon = geo('geo_s2cell_to_polygon', ['s'], (token: string) => {
  const id = s2FromToken(token);
  return id === null ? null : polygonJson(s2CellVertices(id));
});

const s2CellNeighbors = geo('geo_s2cell_neighbors', ['s'], (token: string) => {
  const id = s2FromToken(token);
  return id === null ? null : s2Neighbors(id).map(s2Token);
});

/** Most cells a covering may have (Kusto's limit for S2 coverings). */
const MAX_S2_COVERING = 65536;

const polygonToS2Cells = geo('geo_polygon_to_s2cells', ['d', 'n', 'n'], (polygon: unknown, level = 11, radius = 0) => {
  if (!isInt(level) || level < 0 || level > S2_MAX_LEVEL || !(radius >= 0) || !Number.isFinite(radius)) return null;
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  const cells = coverPolygon(shape, level, radius / EARTH_RADIUS_M, MAX_S2_COVERING);
  return cells === null ? null : cells.map(s2Token);
});

const lineToS2Cells = geo('geo_line_to_s2cells', ['d', 'n', 'n'], (line: unknown, level = 11, radius = 0) => {
  if (!isInt(level) || level < 0 || level > S2_MAX_LEVEL || !(radius >= 0) || !Number.isFinite(radius)) return null;
  const shape = parseLine(line);
  if (shape === null) return null;
  const cells = coverLine(shape, level, radius / EARTH_RADIUS_M, MAX_S2_COVERING);
  return cells === null ? null : cells.map(s2Token);
});

// ------------------------------------------------------------------ H3 cells

const H3_MAX_RES = 15;
const validH3 = (cell: string) => cell.length > 0 && h3.isValidCell(cell);

/** h3-js wants [lat, lng]; GeoJSON is [lng, lat]. */
const h3Point = (cell: string): LngLat => {
  const [lat, lng] = h3.cellToLatLng(cell);
  return [lng, lat];
};

const pointToH3Cell = geoText('geo_point_to_h3cell', ['n', 'n', 'n'], (lng: number, lat: number, res = 6) => {
  if (!validLngLat(lng, lat) || !isInt(res) || res < 0 || res > H3_MAX_RES) return null;
  return h3.latLngToCell(lat, lng, res);
});

const h3CellToCentralPoint = geo('geo_h3cell_to_central_point', ['s'], (cell: string) =>
  validH3(cell) ? pointJson(h3Point(cell)) : null);

const h3CellToPolygon = geo('geo_h3cell_to_polygon', ['s'], (cell: string) => {
  if (!validH3(cell)) return null;
  const ring = h3.cellToBoundary(cell, true) as LngLat[];
  // cellToBoundary in GeoJSON mode already repeats the first vertex.
  return { type: 'Polygon', coordinates: [ring] };
});

const h3CellLevel = geo('geo_h3cell_level', ['s'], (cell: string) => (validH3(cell) ? h3.getResolution(cell) : null));

const h3CellParent = geoText('geo_h3cell_parent', ['s', 'n'], (cell: string, res?: number) => {
  if (!validH3(cell)) return null;
  const own = h3.getResolution(cell);
  const target = res ?? own - 1;
  if (!isInt(target) || target < 0 || target > own) return null;
  return h3.cellToParent(cell, target);
});

/** Most generations geo_h3cell_children may descend at once (at most 7^5 = 16807 children). */
const H3_MAX_CHILD_DEPTH = 5;

const h3CellChildren = geo('geo_h3cell_children', ['s', 'n'], (cell: string, res?: number) => {
  if (!validH3(cell)) return null;
  const own = h3.getResolution(cell);
  const target = res ?? own + 1;
  if (!isInt(target) || target < own || target > H3_MAX_RES || target - own > H3_MAX_CHILD_DEPTH) return null;
  return h3.cellToChildren(cell, target);
});

/** Largest ring distance geo_h3cell_rings accepts. */
const H3_MAX_RING = 142;

const h3CellRings = geo('geo_h3cell_rings', ['s', 'n'], (cell: string, distance: number) => {
  if (!validH3(cell) || !isInt(distance) || distance < 0 || distance > H3_MAX_RING) return null;
  return h3.gridDiskDistances(cell, distance);
});

const h3CellNeighbors = geo('geo_h3cell_neighbors', ['s'], (cell: string) => {
  if (!validH3(cell)) return null;
  return h3.gridDisk(cell, 1).filter((c) => c !== cell);
});

/** Most cells geo_polygon_to_h3cells returns. */
const MAX_H3_CELLS = 61680;

const polygonToH3Cells = geo('geo_polygon_to_h3cells', ['d', 'n', 'n'], (polygon: unknown, res = 6, radius = 0) => {
  if (!isInt(res) || res < 0 || res > H3_MAX_RES || !(radius >= 0) || !Number.isFinite(radius)) return null;
  const shape: PolygonShape | null = parsePolygon(polygon);
  if (shape === null) return null;
  if (radius > 0) return null;
  const out = new Set<string>();
  for (const rings of shape.polygons) {
    // h3-js wants closed-or-open rings of [lng, lat] when isGeoJson is true.
    let cells: string[];
    try {
      cells = h3.polygonToCells(rings, res, true);
    } catch {
      return null;
    }
    for (const c of cells) out.add(c);
    if (out.size > MAX_H3_CELLS) return null;
  }
  return [...out];
});

// ------------------------------------------------------------------ shape operations

const fromWkt = geo('geo_from_wkt', ['s'], (text: string) => parseWkt(text));

const intersects2Lines = geo('geo_intersects_2lines', ['d', 'd'], (a: unknown, b: unknown) => {
  const la = parseLine(a);
  const lb = parseLine(b);
  return la === null || lb === null ? null : linesIntersect(la, lb);
});

const intersectsLineWithPolygon = geo('geo_intersects_line_with_polygon', ['d', 'd'], (line: unknown, polygon: unknown) => {
  const l = parseLine(line);
  const p = parsePolygon(polygon);
  return l === null || p === null ? null : lineIntersectsPolygon(l, p);
});

const intersects2Polygons = geo('geo_intersects_2polygons', ['d', 'd'], (a: unknown, b: unknown) => {
  const pa = parsePolygon(a);
  const pb = parsePolygon(b);
  return pa === null || pb === null ? null : intersectsPolygons(pa, pb);
});

const intersection2Lines = geo('geo_intersection_2lines', ['d', 'd'], (a: unknown, b: unknown) => {
  const la = parseLine(a);
  const lb = parseLine(b);
  return la === null || lb === null ? null : intersectLines(la, lb);
});

const intersectionLineWithPolygon = geo('geo_intersection_line_with_polygon', ['d', 'd'], (line: unknown, polygon: unknown) => {
  const l = parseLine(line);
  const p = parsePolygon(polygon);
  return l === null || p === null ? null : intersectLineWithPolygon(l, p);
});

/** Densify tolerance bounds in meters, and the default. */
const DENSIFY_MIN = 0.1;
const DENSIFY_MAX = 10000;

const lineDensify = geo('geo_line_densify', ['d', 'n', 'b'], (line: unknown, tolerance = 10, preserveCrossing = false) => {
  if (!(tolerance >= DENSIFY_MIN && tolerance <= DENSIFY_MAX)) return null;
  return densifyLines(line, tolerance / EARTH_RADIUS_M, preserveCrossing);
});

const polygonDensify = geo('geo_polygon_densify', ['d', 'n', 'b'], (polygon: unknown, tolerance = 10, preserveCrossing = false) => {
  if (!(tolerance >= DENSIFY_MIN && tolerance <= DENSIFY_MAX)) return null;
  return densifyPolygon(polygon, tolerance / EARTH_RADIUS_M, preserveCrossing);
});

const lineSimplify = geo('geo_line_simplify', ['d', 'n'], (line: unknown, tolerance = 10) => {
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) return null;
  const shape = parseLine(line);
  if (shape === null) return null;
  const r = simplifyLines(shape, tolerance / EARTH_RADIUS_M);
  return r === null ? null : linesJson(r);
});

const polygonSimplify = geo('geo_polygon_simplify', ['d', 'n'], (polygon: unknown, tolerance = 10) => {
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) return null;
  const shape = parsePolygon(polygon);
  if (shape === null) return null;
  return simplifyPolygon(shape, tolerance / EARTH_RADIUS_M);
});

const unionLinesArray = geo('geo_union_lines_array', ['d'], (arr: unknown) => {
  if (!Array.isArray(arr)) return null;
  const shapes: LineShape[] = [];
  for (const v of arr) {
    const l = parseLine(v);
    if (l === null) return null;
    shapes.push(l);
  }
  const lines = unionLines(shapes);
  return lines.length === 0 ? EMPTY_COLLECTION() : linesJson(lines);
});

const simplifyPolygonsArray = geo('geo_simplify_polygons_array', ['d', 'n'], (arr: unknown, tolerance = 10) => {
  if (!Array.isArray(arr) || !(tolerance >= 0) || !Number.isFinite(tolerance)) return null;
  const polygons: LngLat[][][] = [];
  for (const v of arr) {
    const p = parsePolygon(v);
    if (p === null) return null;
    polygons.push(...p.polygons);
  }
  const all = buildPolygon(polygons);
  if (all === null) return null;
  return simplifyPolygon(all, tolerance / EARTH_RADIUS_M);
});

/**
 * geo_intersection_2polygons: invalid input gives null and disjoint polygons an empty
 * collection; computing an actual overlap (S2's boolean operation) is not implemented.
 */
const intersection2Polygons: ScalarFunction = {
  name: 'geo_intersection_2polygons',
  bind(ctx): RowFn {
    return (a: unknown, b: unknown) => {
      const pa = parsePolygon(a);
      const pb = parsePolygon(b);
      if (pa === null || pb === null) return null;
      if (!intersectsPolygons(pa, pb)) return EMPTY_COLLECTION();
      throw facts.unsupportedFunction('geo_intersection_2polygons', ctx.span);
    };
  },
};

export const GEO_FUNCTIONS: ScalarFunction[] = [
  distance2Points, geoAzimuth, geoAngle, pointInCircle, distancePointToLine, closestPointOnLine,
  distancePointToPolygon, closestPointOnPolygon, pointInPolygon, pointBuffer, lineBuffer, polygonBuffer,
  geoLineLength, lineCentroid, lineInterpolatePoint, lineLocatePoint,
  polygonArea, polygonPerimeter, polygonCentroid,
  pointToGeohash, geohashToCentralPoint, geohashToPolygon, geohashNeighborsFn,
  pointToS2Cell, s2CellToCentralPoint, s2CellToPolygon, s2CellNeighbors, polygonToS2Cells, lineToS2Cells,
  pointToH3Cell, h3CellToCentralPoint, h3CellToPolygon, h3CellLevel, h3CellParent, h3CellChildren, h3CellRings,
  h3CellNeighbors, polygonToH3Cells,
  fromWkt, intersects2Lines, intersectsLineWithPolygon, intersects2Polygons, intersection2Lines,
  intersectionLineWithPolygon, lineDensify, polygonDensify, lineSimplify, polygonSimplify, unionLinesArray,
  simplifyPolygonsArray, intersection2Polygons,
];
