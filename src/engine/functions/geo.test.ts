import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { parseWkt } from './geo/wkt.js';
import { geohashBox, geohashEncode } from './geo/cells.js';
import { callScalar } from './testing.js';

type Arg = [ScalarType, unknown];

/** Binds a function as the engine does and calls it, honouring null propagation. */
function call(name: string, args: Arg[], resultType: ScalarType = 'dynamic'): unknown {
  return callScalar(name, args, { resultType, fixResult: false });
}

const R = (n: number): Arg => ['real', n];
const L = (n: number): Arg => ['long', n];
const S = (s: string): Arg => ['string', s];
const J = (v: unknown): Arg => ['dynamic', v];

/** Relative closeness, the oracle's tolerance for reals. */
function near(actual: unknown, expected: number, rel = 1e-9): void {
  assert.equal(typeof actual, 'number', `expected a number, got ${JSON.stringify(actual)}`);
  const a = actual as number;
  assert.ok(Math.abs(a - expected) <= rel * Math.abs(expected) + 1e-12, `${a} is not close to ${expected}`);
}

function nearCoords(actual: unknown, expected: number[]): void {
  assert.ok(Array.isArray(actual));
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => near(actual[i], e));
}

const CENTRAL_PARK = {
  type: 'Polygon',
  coordinates: [[[-73.9495, 40.7969], [-73.95807266235352, 40.80068603561921], [-73.98201942443848, 40.76825672305777],
    [-73.97317886352539, 40.76455136505513], [-73.9495, 40.7969]]],
};

test('distances use the haversine formula on a sphere of radius 6371010 m', () => {
  near(call('geo_distance_2points', [R(-122.407628), R(47.578557), R(-118.275287), R(34.019056)], 'real'), 1546754.3519738095);
  assert.equal(call('geo_distance_2points', [L(300), L(1), L(1), L(1)], 'real'), null);
  // The spheroid (WGS-84 geodesic) distance is shorter on this north-south path.
  const ell = call('geo_distance_2points', [R(-122.407628), R(47.578557), R(-118.275287), R(34.019056), ['bool', true]], 'real') as number;
  near(ell, 1545043.643861607, 1e-6);
});

test('azimuth and angle are clockwise from north, in radians', () => {
  near(call('geo_azimuth', [L(5), L(10), L(10), L(-40)], 'real'), 3.054599397964492);
  assert.equal(call('geo_azimuth', [L(5), L(10), L(5), L(10)], 'real'), null);
  near(call('geo_angle', [L(0), L(10), L(0), L(5), L(3), L(-10)], 'real'), 2.9449384340688165);
  assert.equal(call('geo_angle', [L(0), L(10), L(0), L(10), L(3), L(-10)], 'real'), null);
});

test('point in circle: a spherical cap; invalid centre or negative radius is null', () => {
  assert.equal(call('geo_point_in_circle', [R(-122.3), R(47.6), R(-122.31), R(47.6), R(1000)], 'bool'), true);
  assert.equal(call('geo_point_in_circle', [R(-122.3), R(47.6), R(-122.4), R(47.6), R(1000)], 'bool'), false);
  assert.equal(call('geo_point_in_circle', [L(200), L(1), L(1), L(1), L(1)], 'bool'), null);
  assert.equal(call('geo_point_in_circle', [L(1), L(1), L(1), L(1), L(-1)], 'bool'), null);
});

test('lines: length, centroid, interpolation and location along the line', () => {
  const line = { type: 'LineString', coordinates: [[-73.95807266235352, 40.800426144169315], [-73.94966125488281, 40.79691751000055], [-73.97317886352539, 40.764486356930334]] };
  near(call('geo_line_length', [J(line)], 'real'), 4922.4801699208065);
  assert.equal(call('geo_line_length', [J({ type: 'LineString', coordinates: [[1, 1]] })], 'real'), null);
  const multi = { type: 'MultiLineString', coordinates: [[[-73.95798683166502, 40.800556090021466], [-73.98193359375, 40.76819171855746]], [[-73.94940376281738, 40.79691751000055], [-73.97317886352539, 40.76435634049001]]] };
  nearCoords((call('geo_line_centroid', [J(multi)]) as { coordinates: number[] }).coordinates, [-73.96562218400669, 40.78250336313828]);
  const two = { type: 'LineString', coordinates: [[-73.95796, 40.80042], [-73.97317, 40.764486]] };
  near(call('geo_line_locate_point', [J(two), R(-73.965), R(40.792)], 'real'), 0.2556013510030755);
  const p = call('geo_line_interpolate_point', [J(two), R(0)]) as { coordinates: number[] };
  nearCoords(p.coordinates, [-73.95796, 40.80042]);
});

test('distance from a point to a line is measured to the closest point of its geodesic edges', () => {
  const line = { type: 'LineString', coordinates: [[0, 0], [2, 0]] };
  // One degree north of the middle of an equatorial edge: one degree of arc.
  near(call('geo_distance_point_to_line', [L(1), L(1), J(line)], 'real'), (Math.PI / 180) * 6371010);
  assert.equal(call('geo_distance_point_to_line', [L(300), L(3), J(line)], 'real'), null);
  nearCoords((call('geo_closest_point_on_line', [L(3), L(0), J(line)]) as { coordinates: number[] }).coordinates, [2, 0]);
});

test('polygons: perimeter, centroid, area and validation', () => {
  near(call('geo_polygon_perimeter', [J(CENTRAL_PARK)], 'real'), 9930.301496049382);
  nearCoords((call('geo_polygon_centroid', [J(CENTRAL_PARK)]) as { coordinates: number[] }).coordinates, [-73.96573568990762, 40.78255053805781]);
  const area = call('geo_polygon_area', [J(CENTRAL_PARK)], 'real') as number;
  assert.ok(area > 3.4e6 && area < 3.6e6, String(area));
  // Repeated vertices, unclosed rings and out-of-range coordinates are invalid.
  assert.equal(call('geo_polygon_area', [J({ type: 'Polygon', coordinates: [[[0, 0], [10, 10], [10, 10], [0, 0]]] })], 'real'), null);
  assert.equal(call('geo_polygon_area', [J({ type: 'Polygon', coordinates: [[[0, 0], [10, 10], [10, 0], [1, 1]]] })], 'real'), null);
  assert.equal(call('geo_polygon_area', [J({ type: 'Polygon', coordinates: [[[0, 0], [10, 100], [10, 0], [0, 0]]] })], 'real'), null);
  // A self-crossing ring (bow tie) is invalid.
  assert.equal(call('geo_polygon_area', [J({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] })], 'real'), null);
});

test('the perimeter of an overlapping multipolygon is that of their union', () => {
  const polys = { type: 'MultiPolygon', coordinates: [CENTRAL_PARK.coordinates, [[[-73.94262313842773, 40.775991804565585], [-73.98107528686523, 40.791849155467695], [-73.99600982666016, 40.77092185281977], [-73.96150588989258, 40.75609977566361], [-73.94262313842773, 40.775991804565585]]]] };
  near(call('geo_polygon_perimeter', [J(polys)], 'real'), 15943.538457874045);
});

test('point in polygon honours holes and the smaller-region rule', () => {
  const withHole = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[4, 4], [4, 6], [6, 6], [6, 4], [4, 4]]] };
  assert.equal(call('geo_point_in_polygon', [L(2), L(2), J(withHole)], 'bool'), true);
  assert.equal(call('geo_point_in_polygon', [L(5), L(5), J(withHole)], 'bool'), false);
  assert.equal(call('geo_point_in_polygon', [L(20), L(20), J(withHole)], 'bool'), false);
  // A clockwise shell still means the small region it encloses.
  const cw = { type: 'Polygon', coordinates: [[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]] };
  assert.equal(call('geo_point_in_polygon', [L(5), L(5), J(cw)], 'bool'), true);
  assert.equal(call('geo_point_in_polygon', [L(5), L(5), J({ type: 'Polygon' })], 'bool'), null);
});

test('geohash: encoding, rectangles, neighbours', () => {
  assert.equal(call('geo_point_to_geohash', [R(-80.195829), R(25.802215), L(8)], 'string'), 'dhwfz15h');
  assert.equal(call('geo_point_to_geohash', [L(200), L(1), L(8)], 'string'), '');
  assert.equal(geohashEncode(0, 0, 1), 's');
  assert.deepEqual(geohashBox('s'), { west: 0, south: 0, east: 45, north: 45 });
  assert.equal(call('geo_geohash_to_polygon', [S('a')]), null);
  assert.deepEqual(call('geo_geohash_to_central_point', [S('s')]), { type: 'Point', coordinates: [22.5, 22.5] });
  assert.deepEqual(call('geo_geohash_neighbors', [S('sunny')]), ['sunnv', 'sunnt', 'sunnw', 'sunnx', 'sunpp', 'sunnz', 'sunpn', 'sunpj']);
});

test('S2 cells: tokens, polygons, centres and neighbours', () => {
  assert.equal(call('geo_point_to_s2cell', [R(-80.195829), R(25.802215), L(8)], 'string'), '88d9b');
  assert.equal(call('geo_point_to_s2cell', [L(1), L(1), L(35)], 'string'), '');
  const poly = call('geo_s2cell_to_polygon', [S('89c259')]) as { coordinates: number[][][] };
  nearCoords(poly.coordinates[0]![0], [-74.03001224983848, 40.8012684339439]);
  nearCoords(poly.coordinates[0]![2], [-73.93598211433742, 40.708880489804564]);
  nearCoords((call('geo_s2cell_to_central_point', [S('1234567')]) as { coordinates: number[] }).coordinates, [9.86830731850408, 27.468392925827605]);
  assert.deepEqual(call('geo_s2cell_neighbors', [S('89c259')]), ['89c25d', '89c25b', '89c2f7', '89c257', '89c2f5', '89c251', '89c25f', '89c2f9']);
  assert.equal(call('geo_s2cell_neighbors', [S('a')]), null);
});

test('S2 coverings: every cell of the level touching the polygon, null past the limit', () => {
  const tri = { type: 'Polygon', coordinates: [[[0, 0], [0, 50], [100, 50], [0, 0]]] };
  assert.equal((call('geo_polygon_to_s2cells', [J(tri), L(5)]) as string[]).length, 286);
  assert.equal(call('geo_polygon_to_s2cells', [J(tri), L(30)]), null);
  const line = { type: 'LineString', coordinates: [[-0.087152, 51.509596], [-0.08834, 51.50611]] };
  const cells = call('geo_line_to_s2cells', [J(line), L(14)]) as string[];
  const buffered = call('geo_line_to_s2cells', [J(line), L(14), L(500)]) as string[];
  assert.ok(cells.length >= 1 && buffered.length > cells.length);
  // The London Bridge tube station, ~380 m from the street, falls in the buffered covering.
  assert.ok(buffered.includes(call('geo_point_to_s2cell', [R(-0.08492752160134387), R(51.504876316440914), L(14)], 'string') as string));
});

test('H3 cells', () => {
  assert.equal(call('geo_h3cell_parent', [S('862a1072fffffff')], 'string'), '852a1073fffffff');
  assert.equal(call('geo_h3cell_parent', [S('862a1072fffffff'), L(1)], 'string'), '812a3ffffffffff');
  assert.equal(call('geo_h3cell_parent', [S('862a1072fffffff'), L(15)], 'string'), '');
  assert.equal(call('geo_h3cell_level', [S('862a1072fffffff')], 'int'), 6);
  assert.equal(call('geo_point_to_h3cell', [L(1), L(1), L(16)], 'string'), '');
  assert.equal(call('geo_h3cell_children', [S('abc')]), null);
  assert.equal((call('geo_h3cell_children', [S('862a1072fffffff')]) as string[]).length, 7);
  assert.equal(call('geo_h3cell_children', [S('892a1072fffffff'), L(15)]), null);
  const rings = call('geo_h3cell_rings', [S('861f8894fffffff'), L(1)]) as string[][];
  assert.deepEqual(rings[0], ['861f8894fffffff']);
  assert.equal(rings[1]!.length, 6);
  assert.equal(call('geo_h3cell_rings', [S('861f8894fffffff'), L(150)]), null);
  near((call('geo_h3cell_to_central_point', [S('862a1072fffffff')]) as { coordinates: number[] }).coordinates[0], -74.01600847979243);
  const hex = call('geo_h3cell_to_polygon', [S('862a1072fffffff')]) as { coordinates: number[][][] };
  assert.equal(hex.coordinates[0]!.length, 7);
  nearCoords(hex.coordinates[0]![0], [-74.0022744646159, 40.73537602621501]);
});

test('geo_from_wkt', () => {
  assert.deepEqual(parseWkt('POINT (1 2)'), { type: 'Point', coordinates: [1, 2] });
  assert.deepEqual(parseWkt('multipoint ((1 1), (2 2))'), { type: 'MultiPoint', coordinates: [[1, 1], [2, 2]] });
  assert.deepEqual(call('geo_from_wkt', [S('MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)),((10 10, 12 10, 12 12, 10 10)))')]), {
    type: 'MultiPolygon', coordinates: [[[[0, 0], [2, 0], [2, 2], [0, 0]]], [[[10, 10], [12, 10], [12, 12], [10, 10]]]],
  });
  assert.equal(call('geo_from_wkt', [S('LINESTRING')]), null);
  assert.equal(call('geo_from_wkt', [S('POINT (1 2) extra')]), null);
});

test('line intersections', () => {
  const l1 = { type: 'LineString', coordinates: [[-73.978929, 40.785155], [-73.980903, 40.782621]] };
  const l2 = { type: 'LineString', coordinates: [[-73.985195, 40.788275], [-73.974552, 40.779761]] };
  assert.equal(call('geo_intersects_2lines', [J(l1), J(l2)], 'bool'), true);
  const x = call('geo_intersection_2lines', [J(l1), J(l2)]) as { type: string; coordinates: number[] };
  assert.equal(x.type, 'Point');
  nearCoords(x.coordinates, [-73.97983711667098, 40.783989289772165]);
  assert.deepEqual(call('geo_intersection_2lines', [J({ type: 'LineString', coordinates: [[1, 1], [2, 2]] }), J({ type: 'LineString', coordinates: [[3, 3], [4, 4]] })]),
    { type: 'GeometryCollection', geometries: [] });
});

test('the part of a line inside a polygon with a hole is a multiline', () => {
  const line = { type: 'LineString', coordinates: [[-110.522, 39.198], [-91.428, 40.880]] };
  const poly = { type: 'Polygon', coordinates: [[[-90.263, 36.738], [-102.041, 45.274], [-109.335, 36.527], [-90.263, 36.738]], [[-100.393, 41.705], [-103.139, 38.925], [-97.558, 39.113], [-100.393, 41.705]]] };
  const r = call('geo_intersection_line_with_polygon', [J(line), J(poly)]) as { type: string; coordinates: number[][][] };
  assert.equal(r.type, 'MultiLineString');
  nearCoords(r.coordinates[0]![0], [-106.89353655881905, 39.769226209776306]);
  nearCoords(r.coordinates[1]![1], [-95.28452773731179, 40.79906024224635]);
});

test('densify halves planar edges until the geodesic stays within tolerance', () => {
  const r = call('geo_line_densify', [J({ type: 'LineString', coordinates: [[50, 50], [51, 51]] })]) as { coordinates: number[][] };
  assert.equal(r.coordinates.length, 9);
  nearCoords(r.coordinates[2]!, [50.25, 50.25]);
  assert.equal(call('geo_line_densify', [J({ type: 'LineString', coordinates: [[1, 1], [2, 2]] }), L(0)]), null);
  // A planar edge over the antimeridian is split there.
  const w = call('geo_line_densify', [J({ type: 'LineString', coordinates: [[300, 1], [1, 1]] })]) as { type: string; coordinates: number[][][] };
  assert.equal(w.type, 'MultiLineString');
  assert.deepEqual(w.coordinates.map((c) => c.length), [104, 155]);
  near(w.coordinates[0]![103]![1], 1.0000397208212215);
});

test('point buffer: a regular polygon within tolerance of the circle', () => {
  const b = call('geo_point_buffer', [R(-115.1745008278), R(36.1497251277), L(20000)]) as { coordinates: number[][][] };
  assert.equal(b.coordinates[0]!.length, 101);
  nearCoords(b.coordinates[0]![0]!, [-115.23572342504431, 36.32267760568711]);
  nearCoords(b.coordinates[0]![1]!, [-115.24907930550225, 36.31923150743684]);
  assert.equal(call('geo_point_buffer', [L(200), L(1), R(0.1)]), null);
  assert.equal(call('geo_line_buffer', [J({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }), L(0)]), null);
});

test('simplify drops vertices within tolerance; a line that collapses is null', () => {
  assert.equal(call('geo_line_simplify', [J({ type: 'LineString', coordinates: [[1.1, 1.1], [1.2, 1.2]] }), L(100000)]), null);
  assert.equal(call('geo_line_simplify', [J({ type: 'LineString', coordinates: [[1, 1], [2, 2]] }), L(-1)]), null);
  const r = call('geo_line_simplify', [J({ type: 'LineString', coordinates: [[0, 0], [1, 0.00001], [2, 0]] })]) as { coordinates: number[][] };
  assert.equal(r.coordinates.length, 2);
});

test('union of lines merges shared edges into one chain', () => {
  const a = { type: 'LineString', coordinates: [[0, 0], [1, 1], [2, 1]] };
  const b = { type: 'LineString', coordinates: [[1, 1], [2, 1], [3, 0]] };
  const r = call('geo_union_lines_array', [J([a, b])]) as { type: string; coordinates: number[][] };
  assert.equal(r.type, 'LineString');
  assert.equal(r.coordinates.length, 4);
  assert.equal(call('geo_union_lines_array', [J([a, { type: 'LineString', coordinates: [[1, 1]] }])]), null);
});
