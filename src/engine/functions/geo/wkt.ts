/**
 * Well-known text (WKT) to GeoJSON, for geo_from_wkt(): POINT, LINESTRING, POLYGON, their MULTI
 * forms and GEOMETRYCOLLECTION, two-dimensional, keywords in any case. Anything else (EMPTY
 * geometries, Z/M coordinates, trailing text) is invalid and gives null.
 */

type Position = [number, number];

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** Consumes `c` (after spaces) when it is next. */
  eat(c: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(c: string): void {
    if (!this.eat(c)) throw new WktError();
  }

  word(): string {
    this.skipSpace();
    const m = /^[A-Za-z]+/.exec(this.text.slice(this.pos));
    if (!m) throw new WktError();
    this.pos += m[0].length;
    return m[0].toUpperCase();
  }

  number(): number {
    this.skipSpace();
    const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) throw new WktError();
    this.pos += m[0].length;
    return Number(m[0]);
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
}

class WktError extends Error {}

function position(r: Reader): Position {
  return [r.number(), r.number()];
}

/** `( p, p, ... )` */
function positions(r: Reader): Position[] {
  r.expect('(');
  const out = [position(r)];
  while (r.eat(',')) out.push(position(r));
  r.expect(')');
  return out;
}

/** `( (…), (…) )` of position lists. */
function positionLists(r: Reader): Position[][] {
  r.expect('(');
  const out = [positions(r)];
  while (r.eat(',')) out.push(positions(r));
  r.expect(')');
  return out;
}

/** MULTIPOINT accepts both `(1 1, 2 2)` and `((1 1), (2 2))`. */
function multiPoint(r: Reader): Position[] {
  r.expect('(');
  const one = (): Position => {
    if (r.eat('(')) {
      const p = position(r);
      r.expect(')');
      return p;
    }
    return position(r);
  };
  const out = [one()];
  while (r.eat(',')) out.push(one());
  r.expect(')');
  return out;
}

function geometry(r: Reader): unknown {
  const kind = r.word();
  switch (kind) {
    case 'POINT': {
      r.expect('(');
      const p = position(r);
      r.expect(')');
      return { type: 'Point', coordinates: p };
    }
    case 'LINESTRING': return { type: 'LineString', coordinates: positions(r) };
    case 'POLYGON': return { type: 'Polygon', coordinates: positionLists(r) };
    case 'MULTIPOINT': return { type: 'MultiPoint', coordinates: multiPoint(r) };
    case 'MULTILINESTRING': return { type: 'MultiLineString', coordinates: positionLists(r) };
    case 'MULTIPOLYGON': {
      r.expect('(');
      const polys = [positionLists(r)];
      while (r.eat(',')) polys.push(positionLists(r));
      r.expect(')');
      return { type: 'MultiPolygon', coordinates: polys };
    }
    case 'GEOMETRYCOLLECTION': {
      r.expect('(');
      const geometries = [geometry(r)];
      while (r.eat(',')) geometries.push(geometry(r));
      r.expect(')');
      return { type: 'GeometryCollection', geometries };
    }
    default:
      throw new WktError();
  }
}

/** GeoJSON of a WKT text, or null when it is not valid WKT. */
export function parseWkt(text: string): unknown {
  const r = new Reader(text);
  try {
    const g = geometry(r);
    return r.atEnd() ? g : null;
  } catch (e) {
    if (e instanceof WktError) return null;
    throw e;
  }
}
