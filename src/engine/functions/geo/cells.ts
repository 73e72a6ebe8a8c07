/**
 * The three grid systems of Kusto's geo functions: geohash (implemented here), S2 cells (cell id
 * math from the s2js port of the S2 library) and H3 cells (h3-js, the H3 C library compiled to
 * JavaScript, so its cell ids and boundaries are the reference ones).
 */
import type s2js from 's2js';
import { lazyRequire } from '../lazy-require.js';
import type { LngLat } from './sphere.js';
import { toLngLat } from './sphere.js';

const s2: typeof s2js.s2 = lazyRequire('s2js', (m) => m.s2);
const cellid: typeof s2js.s2.cellid = lazyRequire('s2js', (m) => m.s2.cellid);

// ---------------------------------------------------------------- geohash

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';
const BASE32_INDEX = new Map([...BASE32].map((c, i) => [c, i]));
export const GEOHASH_MAX = 18;

export function geohashEncode(lng: number, lat: number, length: number): string {
  let lngLo = -180, lngHi = 180, latLo = -90, latHi = 90;
  let out = '';
  let even = true;
  let bits = 0, ch = 0;
  while (out.length < length) {
    if (even) {
      const mid = (lngLo + lngHi) / 2;
      if (lng >= mid) { ch = (ch << 1) | 1; lngLo = mid; } else { ch <<= 1; lngHi = mid; }
    } else {
      const mid = (latLo + latHi) / 2;
      if (lat >= mid) { ch = (ch << 1) | 1; latLo = mid; } else { ch <<= 1; latHi = mid; }
    }
    even = !even;
    if (++bits === 5) {
      out += BASE32[ch]!;
      bits = 0;
      ch = 0;
    }
  }
  return out;
}

export interface Box { west: number; south: number; east: number; north: number }

/** The rectangle of a geohash; null when it isn't 1..18 base-32 geohash characters. */
export function geohashBox(hash: string): Box | null {
  if (hash.length < 1 || hash.length > GEOHASH_MAX) return null;
  let lngLo = -180, lngHi = 180, latLo = -90, latHi = 90;
  let even = true;
  for (const c of hash.toLowerCase()) {
    const v = BASE32_INDEX.get(c);
    if (v === undefined) return null;
    for (let b = 4; b >= 0; b--) {
      const bit = (v >> b) & 1;
      if (even) {
        const mid = (lngLo + lngHi) / 2;
        if (bit) lngLo = mid; else lngHi = mid;
      } else {
        const mid = (latLo + latHi) / 2;
        if (bit) latLo = mid; else latHi = mid;
      }
      even = !even;
    }
  }
  return { west: lngLo, south: latLo, east: lngHi, north: latHi };
}

export function boxRing(b: Box): LngLat[] {
  return [[b.west, b.south], [b.east, b.south], [b.east, b.north], [b.west, b.north]];
}

/**
 * Offsets (in cell widths east, cell heights north) of the neighbors, in the order Kusto lists
 * them: west, south-west, south, south-east, north-east, east, north, north-west.
 */
const GEOHASH_NEIGHBOR_STEPS: [number, number][] = [[-1, 0], [-1, -1], [0, -1], [1, -1], [1, 1], [1, 0], [0, 1], [-1, 1]];

/** The adjacent geohashes of the same length; none beyond the poles, wrapping at the antimeridian. */
export function geohashNeighbors(hash: string): string[] | null {
  const b = geohashBox(hash);
  if (b === null) return null;
  const w = b.east - b.west;
  const h = b.north - b.south;
  const cx = (b.west + b.east) / 2;
  const cy = (b.south + b.north) / 2;
  const out: string[] = [];
  const self = hash.toLowerCase();
  for (const [dx, dy] of GEOHASH_NEIGHBOR_STEPS) {
    const lat = cy + dy * h;
    if (lat < -90 || lat > 90) continue;
    let lng = cx + dx * w;
    if (lng > 180) lng -= 360;
    else if (lng < -180) lng += 360;
    const n = geohashEncode(lng, lat, hash.length);
    if (n !== self && !out.includes(n)) out.push(n);
  }
  return out;
}

// ---------------------------------------------------------------- S2 cells

export type CellID = bigint;
export const S2_MAX_LEVEL = 30;

export function s2CellOf(lng: number, lat: number, level: number): CellID {
  const p = new s2.Point(...pointOf(lng, lat));
  return cellid.parent(cellid.fromPoint(p), level);
}

function pointOf(lng: number, lat: number): [number, number, number] {
  const phi = (Math.PI / 180) * lat;
  const theta = (Math.PI / 180) * lng;
  const c = Math.cos(phi);
  return [Math.cos(theta) * c, Math.sin(theta) * c, Math.sin(phi)];
}

export const s2Token = (id: CellID): string => cellid.toToken(id);

/** The cell of an S2 token (1..16 hex digits, trailing zeros dropped); null when not a valid cell. */
export function s2FromToken(token: string): CellID | null {
  if (token.length < 1 || token.length > 16 || !/^[0-9a-fA-F]+$/.test(token)) return null;
  const id = BigInt('0x' + token.padEnd(16, '0'));
  return cellid.valid(id) ? id : null;
}

export function s2CellCenter(id: CellID): LngLat {
  const p = cellid.point(id);
  return toLngLat([p.x, p.y, p.z]);
}

/** The cell's four vertices, counter-clockwise. */
export function s2CellVertices(id: CellID): LngLat[] {
  const cell = s2.Cell.fromCellID(id);
  const out: LngLat[] = [];
  for (let k = 0; k < 4; k++) {
    const v = cell.vertex(k);
    out.push(toLngLat([v.x, v.y, v.z]));
  }
  return out;
}

/**
 * The (up to) eight cells of the same level around a cell, edge and corner neighbors, listed by
 * their (i, j) offsets on the cube face in the order Kusto gives them.
 */
const S2_NEIGHBOR_STEPS: [number, number][] = [[1, 1], [1, 0], [-1, 0], [0, -1], [-1, 1], [1, -1], [0, 1], [-1, -1]];

export function s2Neighbors(id: CellID): CellID[] {
  const level = cellid.level(id);
  const all = new Set(cellid.allNeighbors(id, level));
  const { f, i, j } = cellid.faceIJOrientation(id);
  const size = cellid.sizeIJ(level);
  const i0 = i & -size;
  const j0 = j & -size;
  const out: CellID[] = [];
  for (const [di, dj] of S2_NEIGHBOR_STEPS) {
    const n = cellid.parent(cellid.fromFaceIJWrap(f, i0 + di * size, j0 + dj * size), level);
    // At a cube corner two steps land on the same cell; keep each neighbor once.
    if (n !== id && all.has(n) && !out.includes(n)) out.push(n);
  }
  for (const n of all) if (n !== id && !out.includes(n)) out.push(n);
  return out;
}

