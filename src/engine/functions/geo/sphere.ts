/**
 * Spherical geometry on the unit sphere, following the conventions of Google's S2 library, which
 * Kusto's geo functions are built on: points are unit vectors, edges are geodesics (the shorter
 * great-circle arc), and lengths scale by S2's mean Earth radius.
 */

/** S2Earth::RadiusMeters(): the sphere Kusto measures on. */
export const EARTH_RADIUS_M = 6371010;

export type Vec3 = [number, number, number];
/** A GeoJSON position: [longitude, latitude] in degrees. */
export type LngLat = [number, number];

const DEG = Math.PI / 180;
const RAD = 180 / Math.PI;

export function validLngLat(lng: number, lat: number): boolean {
  return Number.isFinite(lng) && Number.isFinite(lat) && lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90;
}

/** S2LatLng::FromDegrees(lat, lng).ToPoint(). */
export function toPoint(lng: number, lat: number): Vec3 {
  const phi = DEG * lat;
  const theta = DEG * lng;
  const c = Math.cos(phi);
  return [Math.cos(theta) * c, Math.sin(theta) * c, Math.sin(phi)];
}

/** S2LatLng(point) in degrees, as [lng, lat]. */
export function toLngLat(p: Vec3): LngLat {
  const lat = Math.atan2(p[2], Math.sqrt(p[0] * p[0] + p[1] * p[1]));
  const lng = Math.atan2(p[1], p[0]);
  return [RAD * lng, RAD * lat];
}

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: Vec3, k: number): Vec3 => [a[0] * k, a[1] * k, a[2] * k];
export const norm = (a: Vec3): number => Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
export function normalize(a: Vec3): Vec3 {
  const n = norm(a);
  return n === 0 ? a : [a[0] / n, a[1] / n, a[2] / n];
}
export const sameVec = (a: Vec3, b: Vec3): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** S1Angle(a, b): the angle between two points, exact for tiny and near-antipodal angles. */
export function angleBetween(a: Vec3, b: Vec3): number {
  return Math.atan2(norm(cross(a, b)), dot(a, b));
}

/** S2LatLng::GetDistance: the haversine distance in radians between two coordinates. */
export function haversine(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const la1 = DEG * lat1;
  const la2 = DEG * lat2;
  const dlat = Math.sin(0.5 * (la2 - la1));
  const dlng = Math.sin(0.5 * (DEG * lng2 - DEG * lng1));
  const x = dlat * dlat + dlng * dlng * Math.cos(la1) * Math.cos(la2);
  return 2 * Math.asin(Math.sqrt(Math.min(1, x)));
}

/** Initial bearing from p1 to p2, radians clockwise from north in [0, 2π). */
export function azimuth(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const la1 = DEG * lat1;
  const la2 = DEG * lat2;
  const dl = DEG * lng2 - DEG * lng1;
  const y = Math.sin(dl) * Math.cos(la2);
  const x = Math.cos(la1) * Math.sin(la2) - Math.sin(la1) * Math.cos(la2) * Math.cos(dl);
  let t = Math.atan2(y, x);
  if (t < 0) t += 2 * Math.PI;
  return t >= 2 * Math.PI ? 0 : t;
}

/** True when the two points are the same or antipodal (no unique geodesic joins them). */
export function degenerateEdge(a: Vec3, b: Vec3): boolean {
  const c = norm(cross(a, b));
  return c < 1e-15;
}

/** S2::RobustCrossProd for well-separated points: a vector orthogonal to both, never zero for distinct points. */
export function robustCross(a: Vec3, b: Vec3): Vec3 {
  // (b + a) x (b - a) = 2 (a x b), computed with less cancellation.
  const x = cross(add(b, a), sub(b, a));
  if (x[0] !== 0 || x[1] !== 0 || x[2] !== 0) return x;
  return ortho(a);
}

/** A unit vector orthogonal to a (S2::Ortho). */
export function ortho(a: Vec3): Vec3 {
  const ax = Math.abs(a[0]);
  const ay = Math.abs(a[1]);
  const az = Math.abs(a[2]);
  const largest = ax > ay ? (ax > az ? 0 : 2) : ay > az ? 1 : 2;
  const t: Vec3 = [0.012, 0.0053, 0.00457];
  t[largest === 0 ? 2 : largest - 1] = 1;
  return normalize(cross(a, t));
}

/**
 * The vertices of a regular polygon on the circle of angular radius r around center, counter-
 * clockwise, the first one in the direction of S2::Ortho(center).
 */
export function regularPolygon(center: Vec3, r: number, n: number): Vec3[] {
  const x = ortho(center);
  const y = cross(center, x);
  const sr = Math.sin(r);
  const cr = Math.cos(r);
  const out: Vec3[] = [];
  for (let i = 0; i < n; i++) {
    const t = (i * 2 * Math.PI) / n;
    const u = sr * Math.cos(t);
    const v = sr * Math.sin(t);
    out.push(normalize([
      x[0] * u + y[0] * v + center[0] * cr,
      x[1] * u + y[1] * v + center[1] * cr,
      x[2] * u + y[2] * v + center[2] * cr,
    ]));
  }
  return out;
}

/** The point of edge ab closest to x (S2::Project). */
export function projectOnEdge(x: Vec3, a: Vec3, b: Vec3): Vec3 {
  const n = robustCross(a, b);
  const p = sub(x, scale(n, dot(x, n) / dot(n, n)));
  // The foot of the perpendicular is the answer when it lies between a and b.
  if (dot(p, cross(n, a)) > 0 && dot(n, cross(p, b)) > 0) return normalize(p);
  const da = sub(x, a);
  const db = sub(x, b);
  return dot(da, da) <= dot(db, db) ? a : b;
}

/** The angle from x to the closest point of edge ab. */
export function distanceToEdge(x: Vec3, a: Vec3, b: Vec3): number {
  return angleBetween(x, projectOnEdge(x, a, b));
}

/** S2::Interpolate: the point a fraction t of the way along edge ab. */
export function interpolate(t: number, a: Vec3, b: Vec3): Vec3 {
  if (t === 0) return a;
  if (t === 1) return b;
  const ab = angleBetween(a, b);
  return interpolateAtDistance(t * ab, a, b);
}

/** S2::GetPointOnLine: the point at angle ax from a towards b. */
export function interpolateAtDistance(ax: number, a: Vec3, b: Vec3): Vec3 {
  const dir = normalize(cross(robustCross(a, b), a));
  return normalize(add(scale(a, Math.cos(ax)), scale(dir, Math.sin(ax))));
}

/** S2::GetEdgeTrueCentroid: the centroid of edge ab times its length. */
export function edgeTrueCentroid(a: Vec3, b: Vec3): Vec3 {
  const vdiff = sub(a, b);
  const vsum = add(a, b);
  const sin2 = dot(vdiff, vdiff);
  const cos2 = dot(vsum, vsum);
  if (cos2 === 0) return [0, 0, 0];
  return scale(vsum, Math.sqrt(sin2 / cos2));
}

/** Sign of the turn a→b→c: +1 counter-clockwise, -1 clockwise, 0 collinear (to double precision). */
export function orient(a: Vec3, b: Vec3, c: Vec3): number {
  const d = dot(cross(a, b), c);
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/**
 * The crossing point of edges ab and cd when they cross at an interior point or share a point
 * (touching counts), else null.
 */
export function edgeIntersection(a: Vec3, b: Vec3, c: Vec3, d: Vec3): Vec3 | null {
  const n1 = robustCross(a, b);
  const n2 = robustCross(c, d);
  let x = cross(n1, n2);
  if (norm(x) === 0) return null;
  x = normalize(x);
  if (dot(x, add(add(a, b), add(c, d))) < 0) x = scale(x, -1);
  const eps = 1e-15;
  const onAB = dot(cross(a, x), n1) >= -eps && dot(cross(x, b), n1) >= -eps;
  const onCD = dot(cross(c, x), n2) >= -eps && dot(cross(x, d), n2) >= -eps;
  return onAB && onCD ? x : null;
}

/** Normalizes a longitude into [-180, 180]. */
export function wrapLng(lng: number): number {
  if (lng >= -180 && lng <= 180) return lng;
  const r = ((((lng + 180) % 360) + 360) % 360) - 180;
  return r === -180 && lng > 0 ? 180 : r;
}
