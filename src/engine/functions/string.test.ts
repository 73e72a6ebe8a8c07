import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { scalarFunction } from './registry.js';
import { callScalar } from './testing.js';

type Arg = [ScalarType, unknown];

/** Binds `name` with constant arguments of the given types and calls it, as the engine would. */
function call(name: string, args: Arg[], resultType: ScalarType = 'string', constant = true): unknown {
  return callScalar(name, args, { resultType, constant });
}

/** The same call with every argument a per-row value (not a constant). */
const callRows = (name: string, args: Arg[], resultType: ScalarType = 'string') => call(name, args, resultType, false);
const s = (v: string): Arg => ['string', v];
const l = (v: number | bigint): Arg => ['long', v];
const d = (v: unknown): Arg => ['dynamic', v];

test('strlen counts code points; string_size counts UTF-8 bytes', () => {
  assert.equal(call('strlen', [s('hello')], 'long'), 5);
  assert.equal(call('strlen', [s('⒦⒰⒮⒯⒪')], 'long'), 5);
  assert.equal(call('strlen', [s('C\u0327edilla')], 'long'), 8);
  assert.equal(call('strlen', [s('a😀b')], 'long'), 3);
  assert.equal(call('strlen', [l(12345)], 'long'), 5);
  assert.equal(call('string_size', [s('hello')], 'long'), 5);
  assert.equal(call('string_size', [s('⒦⒰⒮⒯⒪')], 'long'), 15);
});

test('substring: negative start from the end, out-of-range parts cut', () => {
  assert.equal(call('substring', [s('123456'), l(1)]), '23456');
  assert.equal(call('substring', [s('123456'), l(2), l(2)]), '34');
  assert.equal(call('substring', [s('ABCD'), l(0), l(2)]), 'AB');
  assert.equal(call('substring', [s('123456'), l(-2), l(2)]), '56');
  assert.equal(call('substring', [s('abc'), l(5)]), '');
  assert.equal(call('substring', [s('abc'), l(1), l(100)]), 'bc');
  assert.equal(call('substring', [s('abc'), l(-10), l(2)]), 'ab');
  assert.equal(call('substring', [s('a😀bc'), l(1), l(2)]), '😀b');
  assert.equal(call('substring', [s('abc'), ['long', null]]), '');
});

test('case conversion reads any type as text', () => {
  assert.equal(call('toupper', [s('hello')]), 'HELLO');
  assert.equal(call('tolower', [s('Hello')]), 'hello');
  assert.equal(call('toupper', [['bool', true]]), 'TRUE');
  assert.equal(call('toupper', [d({ a: 'x' })]), '{"A":"X"}');
});

test('strcat: any types, nulls as empty text', () => {
  assert.equal(call('strcat', [s('hello'), s(' '), s('world')]), 'hello world');
  assert.equal(call('strcat', [s('mod3='), l(2)]), 'mod3=2');
  assert.equal(call('strcat', [s('a'), ['long', null], ['real', 1.5]]), 'a1.5');
  assert.equal(call('strcat', [s('t='), ['timespan', 10_000_000]]), 't=00:00:01');
  assert.equal(call('strcat', [s('d='), ['datetime', 0]]), 'd=2020-01-01T00:00:00.0000000Z');
  assert.equal(call('strcat', [s('-  '), s('Te st'), l(1), s('// $')]), '-  Te st1// $');
});

test('strcat_delim, strcat_array, strrep', () => {
  assert.equal(call('strcat_delim', [s('-'), l(1), s('2'), s('A'), ['timespan', 10_000_000]]), '1-2-A-00:00:01');
  assert.equal(call('strcat_array', [d([1, 2, 3]), s('->')]), '1->2->3');
  assert.equal(call('strcat_array', [d(['Jane', 'John']), s(',')]), 'Jane,John');
  assert.equal(call('strcat_array', [d([{ a: 1 }, 'x']), s('"')]), '{"a":1}"x');
  assert.equal(call('strrep', [s('ABC'), l(2)]), 'ABCABC');
  assert.equal(call('strrep', [l(123), l(3), s('.')]), '123.123.123');
  assert.equal(call('strrep', [['timespan', 30_000_000], l(2), s(' ')]), '00:00:03 00:00:03');
  assert.equal(call('strrep', [s('x'), l(0)]), '');
  assert.equal((call('strrep', [s('x'), l(5000)]) as string).length, 1024);
});

test('split: the docs examples, and an index out of range', () => {
  assert.deepEqual(call('split', [s('aa_bb'), s('_')], 'dynamic'), ['aa', 'bb']);
  assert.deepEqual(call('split', [s('aaa_bbb_ccc'), s('_'), l(1)], 'dynamic'), ['bbb']);
  assert.deepEqual(call('split', [s(''), s('_')], 'dynamic'), ['']);
  assert.deepEqual(call('split', [s('a__b'), s('_')], 'dynamic'), ['a', '', 'b']);
  assert.deepEqual(call('split', [s('aabbcc'), s('bb')], 'dynamic'), ['aa', 'cc']);
  assert.deepEqual(call('split', [s('a_b'), s('_'), l(5)], 'dynamic'), []);
  assert.deepEqual(call('split', [s('John,Paul'), s(',')], 'dynamic'), ['John', 'Paul']);
});

test('strcmp is ordinal', () => {
  assert.equal(call('strcmp', [s('ABC'), s('ABC')], 'long'), 0);
  assert.equal(call('strcmp', [s('abc'), s('ABC')], 'long'), 1);
  assert.equal(call('strcmp', [s('ABC'), s('abc')], 'long'), -1);
  assert.equal(call('strcmp', [s('abcde'), s('abc')], 'long'), 1);
});

test('translate', () => {
  assert.equal(call('translate', [s('abc'), s('x'), s('abc')]), 'xxx');
  assert.equal(call('translate', [s('abc'), s(''), s('ab')]), '');
  assert.equal(call('translate', [s('krasp'), s('otsku'), s('spark')]), 'kusto');
  assert.equal(callRows('translate', [s('krasp'), s('otsku'), s('spark')]), 'kusto');
});

test('reverse reads any type as text', () => {
  assert.equal(call('reverse', [s('ABCDEFGHIJKLMNOPQRSTUVWXYZ')]), 'ZYXWVUTSRQPONMLKJIHGFEDCBA');
  assert.equal(call('reverse', [l(12345)]), '54321');
  assert.equal(call('reverse', [['real', 123.45]]), '54.321');
  assert.equal(call('reverse', [['timespan', 3 * 3600 * 10_000_000]]), '00:00:30');
  assert.equal(call('reverse', [s('a😀b')]), 'b😀a');
});

test('reverse of a datetime uses the 7-digit text', () => {
  const def = scalarFunction('reverse')!;
  // 2017-10-15T12:00:00Z in ticks from 2020-01-01.
  const ticks = (Date.UTC(2017, 9, 15, 12) - Date.UTC(2020, 0, 1)) * 10_000;
  const r = def.bind({ args: [{ type: 'datetime', constant: true, value: ticks }], resultType: 'string', now: 0, span: { start: 0, length: 0 } })(ticks);
  assert.equal(r, 'Z0000000.00:00:21T51-01-7102');
});

test('replace_regex, the old replace, replace_string, replace_strings', () => {
  assert.equal(call('replace_regex', [s('Number is 1'), s('is (\\d+)'), s('was: \\1')]), 'Number was: 1');
  assert.equal(callRows('replace_regex', [s('Number is 12'), s('is (\\d+)'), s('was: \\1')]), 'Number was: 12');
  assert.equal(call('replace_regex', [s('abc'), s('x*'), s('-')]), '-a-b-c-');
  assert.equal(call('replace_regex', [s('aaa'), s('a'), s('\\0\\0')]), 'aaaaaa');
  assert.equal(call('replace_regex', [s('abc'), s('b'), s('\\\\')]), 'a\\c');
  assert.equal(call('replace_regex', [s('abc'), s('b'), s('\\2')]), 'abc');
  assert.equal(call('replace', [s('is (\\d+)'), s('was: \\1'), s('Number is 5')]), 'Number was: 5');
  assert.equal(call('replace_string', [s('A magic trick can turn a cat into a dog'), s('cat'), s('hamster')]), 'A magic trick can turn a hamster into a dog');
  assert.equal(call('replace_string', [s('Number is 1'), s('is'), s('was')]), 'Number was 1');
  assert.equal(call('replace_string', [s('aaaa'), s('aa'), s('b')]), 'bb');
  const msg = 'A magic trick can turn a cat into a dog';
  assert.equal(call('replace_strings', [s(msg), d(['cat', 'dog']), d(['dog', 'pigeon'])]), 'A magic trick can turn a dog into a pigeon');
  assert.equal(call('replace_strings', [s(msg), d(['turn', ' into a dog']), d(['disappear', ''])]), 'A magic trick can disappear a cat');
  const m2 = 'This is an example of using replace_strings()';
  assert.equal(call('replace_strings', [s(m2), d(['This', 'is']), d(['This', 'was'])]), 'This was an example of using replace_strings()');
  assert.equal(call('replace_strings', [s(m2), d(['is', 'This']), d(['was', 'This'])]), 'Thwas was an example of using replace_strings()');
  assert.equal(call('replace_strings', [s(m2), d(['This', 'is']), d([12345, 'was'])]), 'This was an example of using replace_strings()');
});

test('trim, trim_start, trim_end take a regex', () => {
  assert.equal(call('trim', [s('--'), s('--https://bing.com--')]), 'https://bing.com');
  assert.equal(call('trim', [s('\\s+'), s('    Hello, world!    ')]), 'Hello, world!');
  assert.equal(call('trim', [s('[^\\w]+'), s('-  Te st1// $')]), 'Te st1');
  assert.equal(call('trim_start', [s('[^\\w]+'), s('-  Te st1// $')]), 'Te st1// $');
  assert.equal(call('trim_start', [s('https://'), s('https://bing.com')]), 'bing.com');
  assert.equal(call('trim_end', [s('.com'), s('bing.com')]), 'bing');
  assert.equal(call('trim_end', [s('\\s+'), s('    Hello, world!    ')]), '    Hello, world!');
  assert.equal(call('trim_end', [s('[^\\w]+'), s('-  Te st1// $')]), '-  Te st1');
  assert.equal(callRows('trim', [s('x'), s('xxaxx')]), 'a');
  assert.equal(call('trim', [s(''), s(' a ')]), ' a ');
  assert.equal(call('trim', [s('a'), s('aaa')]), '');
});

test('indexof: the oracle cases', () => {
  const ix = (...a: Arg[]) => call('indexof', a, 'long');
  assert.equal(ix(s('abcdefg'), s('cde')), 2);
  assert.equal(ix(s('abcdefg'), s('cde'), l(1), l(4)), 2);
  // The length bounds where a match may begin: Kusto finds this one.
  assert.equal(ix(s('abcdefg'), s('cde'), l(1), l(2)), 2);
  assert.equal(ix(s('abcdefg'), s('cde'), l(3), l(4)), -1);
  assert.equal(ix(s('abcdefg'), s('cde'), l(-5)), 2);
  assert.equal(ix(l(1234567), l(5), l(1), l(4)), 4);
  assert.equal(ix(s('abcdefg'), s('cde'), l(2), l(-1)), 2);
  assert.equal(ix(s('abcdefgabcdefg'), s('cde'), l(1), l(10), l(2)), 9);
  assert.equal(ix(s('abcdefgabcdefg'), s('cde'), l(1), l(-1), l(3)), -1);
  assert.equal(ix(s('abc'), s('b'), l(0), l(-2)), null);
  assert.equal(ix(s('abc'), s('b'), l(0), l(-1), l(-1)), null);
  assert.equal(ix(s('abc'), s('b'), l(-10)), null);
  assert.equal(ix(s('abc'), s('b'), l(10)), -1);
  assert.equal(ix(s('aaaa'), s('aa'), l(0), l(-1), l(2)), 1);
});

test('indexof_regex: the docs examples', () => {
  const ix = (...a: Arg[]) => call('indexof_regex', a, 'long');
  assert.equal(ix(s('abcabc'), s('a.c')), 0);
  assert.equal(ix(s('abcabcdefg'), s('a.c'), l(0), l(9), l(2)), 3);
  assert.equal(ix(s('abcabc'), s('a.c'), l(1), l(-1), l(2)), -1);
  assert.equal(ix(s('ababaa'), s('a.a'), l(0), l(-1), l(2)), -1);
  assert.equal(ix(s('abcabc'), s('a|ab'), l(-1)), null);
});

test('countof: plain matches overlap, regex matches do not', () => {
  const c = (...a: Arg[]) => call('countof', a, 'long');
  assert.equal(c(s('aaa'), s('a')), 3);
  assert.equal(c(s('aaaa'), s('aa')), 3);
  assert.equal(c(s('ababa'), s('ab'), s('normal')), 2);
  assert.equal(c(s('ababa'), s('aba')), 2);
  assert.equal(c(s('ababa'), s('aba'), s('regex')), 1);
  assert.equal(c(s('abcabc'), s('a.c'), s('regex')), 2);
  assert.equal(callRows('countof', [s('abcabc'), s('a.c'), s('regex')], 'long'), 2);
  assert.throws(() => c(s('a'), s('a'), s('fuzzy')), /kind/);
});

test('has_any_index matches terms, case-insensitively', () => {
  const h = (src: string, vals: unknown[]) => call('has_any_index', [s(src), d(vals)], 'long');
  assert.equal(h('this is an example', ['this', 'example']), 0);
  assert.equal(h('this is an example', ['not', 'example']), 1);
  assert.equal(h('this is an example', ['not', 'found']), -1);
  assert.equal(h('Example number 2', [1, 2, 3]), 1);
  assert.equal(h('this is an example', []), -1);
  assert.equal(h('this is an example', ['EXAMPLE']), 0);
  assert.equal(h('this is an example', ['exam']), -1);
});

test('matches regex', () => {
  assert.equal(call('matches regex', [s('KANSAS'), s('K.*S')], 'bool'), true);
  assert.equal(call('matches regex', [s('TEXAS'), s('K.*S')], 'bool'), false);
  assert.equal(callRows('matches regex', [s('ARKANSAS'), s('K.*S')], 'bool'), true);
  assert.equal(call('matches regex', [d(null), s('.*')], 'bool'), false);
  assert.throws(() => call('matches regex', [s('x'), s('(')], 'bool'), /regular expression/);
});

test('extract: groups, typed results, no match', () => {
  const text = 'User: James, Email: James@example.com, Age: 29';
  assert.equal(call('extract', [s('User: ([^,]+)'), l(1), s(text)]), 'James');
  assert.equal(call('extract', [s('Email: (\\S+),'), l(1), s('User: David, Age: 35')]), '');
  assert.equal(call('extract', [s('\\d+'), l(0), s(text)]), '29');
  assert.equal(call('extract', [s('-(\\d{2})-'), l(1), s('21-07-2023'), s('int')], 'int'), 7);
  assert.equal(call('extract', [s('-(\\d{2})-'), l(1), s('nothing'), s('int')], 'int'), null);
  assert.equal(call('extract', [s('(\\w+)'), l(1), s('abc'), s('long')], 'long'), null);
  assert.equal(call('extract', [s('x=(\\d+)'), l(1), s('x=5'), s('real')], 'real'), 5);
  assert.equal(call('extract', [s('(a)'), l(3), s('a')]), '');
  assert.equal(call('extract', [s('(\\d+)'), l(1), l(1234)]), '1234');
});

test('extract_all: one group, several, selected by number or name, no match', () => {
  const id = '82b8be2d-dfa7-4bd1-8f63-24ad26d31449';
  assert.deepEqual(call('extract_all', [s('(\\d+)'), s('a set of numbers: 123, 567 and 789')], 'dynamic'), ['123', '567', '789']);
  assert.deepEqual((call('extract_all', [s('([\\da-f]{2})'), s(id)], 'dynamic') as string[]).slice(0, 3), ['82', 'b8', 'be']);
  const all = [['8', '2b8be2', 'd'], ['d', 'fa', '7'], ['4', 'bd', '1'], ['8', 'f6', '3'], ['2', '4ad26d3144', '9']];
  assert.deepEqual(call('extract_all', [s('(\\w)(\\w+)(\\w)'), s(id)], 'dynamic'), all);
  assert.deepEqual(call('extract_all', [s('(\\w)(\\w+)(\\w)'), d([1, 3]), s(id)], 'dynamic'), all.map(([a, , c]) => [a, c]));
  assert.deepEqual(call('extract_all', [s('(?P<first>\\w)(?P<middle>\\w+)(?P<last>\\w)'), d(['first', 2, 'last']), s(id)], 'dynamic'), all);
  assert.deepEqual(callRows('extract_all', [s('(\\w)(\\w+)(\\w)'), d([2]), s(id)], 'dynamic'), all.map((x) => x[1]));
  assert.equal(call('extract_all', [s('(\\d+)'), s('none')], 'dynamic'), null);
  assert.throws(() => call('extract_all', [s('(\\d+)'), d([4]), s('1')], 'dynamic'), /capture group/);
});

test('regex_quote, isascii, isutf8', () => {
  assert.equal(call('regex_quote', [s('(so$me.Te^xt)')]), '\\(so\\$me\\.Te\\^xt\\)');
  assert.equal(call('isascii', [s('some string')], 'bool'), true);
  assert.equal(call('isascii', [s('café')], 'bool'), false);
  assert.equal(call('isutf8', [s('café')], 'bool'), true);
  assert.equal(call('isutf8', [s('a\uD800b')], 'bool'), false);
});

test('url_encode, url_encode_component, url_decode', () => {
  assert.equal(call('url_encode', [s('https://www.bing.com/hello world')]), 'https%3a%2f%2fwww.bing.com%2fhello+world');
  assert.equal(call('url_encode_component', [s('https://www.bing.com/hello world')]), 'https%3a%2f%2fwww.bing.com%2fhello%20world');
  assert.equal(call('url_encode', [s('é')]), '%c3%a9');
  assert.equal(call('url_decode', [s('https%3a%2f%2fwww.bing.com%2f')]), 'https://www.bing.com/');
  assert.equal(call('url_decode', [s('a+b%20c%C3%A9%zz%')]), 'a b cé%zz%');
});

test('base64 encodings', () => {
  assert.equal(call('base64_encode_tostring', [s('Kusto')]), 'S3VzdG8=');
  assert.equal(call('base64_encodestring', [s('Kusto')]), 'S3VzdG8=');
  assert.equal(call('base64_decode_tostring', [s('S3VzdG8=')]), 'Kusto');
  // Valid base64 of bytes that are not UTF-8: null.
  assert.equal(call('base64_decode_tostring', [s('U3RyaW5n0KHR0tGA0L7Rh9C60LA=')]), '');
  assert.deepEqual(call('base64_decode_toarray', [s('S3VzdG8=')], 'dynamic'), [75, 117, 115, 116, 111]);
  // Unpadded input is not base64.
  assert.equal(call('base64_decode_toarray', [s('U3RyaW5n0KHR0tGA0L7Rh9C60LA')], 'dynamic'), null);
  assert.equal(call('base64_encode_fromarray', [d([75, 117, 115, 116, 111])]), 'S3VzdG8=');
  assert.equal(call('base64_encode_fromarray', [d(null)]), '');
  assert.equal(call('base64_encode_fromarray', [d([1, 256])]), '');
  assert.equal(call('base64_decode_toguid', [s('JpbpECu8dUy7Pv5gbeJXAA==')], 'guid'), '10e99626-bc2b-4c75-bb3e-fe606de25700');
  assert.equal(call('base64_decode_toguid', [s('abcd1231')], 'guid'), null);
  assert.equal(call('base64_encode_fromguid', [['guid', 'ae3133f2-6e22-49ae-b06a-16e6a9b212eb']]), '8jMxriJurkmwahbmqbIS6w==');
});

test('unicode code points', () => {
  assert.deepEqual(call('unicode_codepoints_from_string', [s('קוסטו - Kusto')], 'dynamic'),
    [1511, 1493, 1505, 1496, 1493, 32, 45, 32, 75, 117, 115, 116, 111]);
  assert.deepEqual(call('to_utf8', [s('⒦😀')], 'dynamic'), [9382, 128512]);
  assert.equal(call('unicode_codepoints_to_string', [l(75), l(117), l(115), l(116), l(111)]), 'Kusto');
  assert.equal(call('unicode_codepoints_to_string', [d([75, 117, 115]), l(116), l(111)]), 'Kusto');
  assert.equal(call('unicode_codepoints_to_string', [l(75), l(10), l(117)]), 'K\nu');
  assert.equal(call('make_string', [d([128512])]), '😀');
  assert.equal(call('unicode_codepoints_to_string', [l(0xd800)]), '');
  assert.equal(call('unicode_codepoints_to_string', [l(0x110000)]), '');
});

test('punycode', () => {
  assert.equal(call('punycode_from_string', [s('académie-française')]), 'acadmie-franaise-npb1a');
  assert.equal(call('punycode_from_string', [s('艺术')]), 'cqv902d');
  assert.equal(call('punycode_to_string', [s('acadmie-franaise-npb1a')]), 'académie-française');
  assert.equal(call('punycode_to_string', [s('abc-!!')]), '');
  assert.equal(call('punycode_domain_from_string', [s('xn--Ge-mia.Bulg.edu')]), 'Gáe.Bulg.edu');
  assert.equal(call('punycode_domain_from_string', [s('xn--Ry-lja8c.xn--Jng-uta63a.xn--Bng-9ka.com')]), 'Rúyì.Jīngū.Bàng.com');
  assert.equal(call('punycode_domain_to_string', [s('Lê Lợi。Thuận Thiên。com')]), 'xn--L Li-gpa4517b.xn--Thun Thin-s4a7194f.com');
  assert.equal(call('punycode_domain_to_string', [s('Riðill｡Skáldskaparmál｡org')]), 'xn--Riill-jta.xn--Skldskaparml-dbbj.org');
  assert.equal(call('punycode_domain_to_string', [s("Kaledvoulc'h.Artorījos.edu")]), "Kaledvoulc'h.xn--Artorjos-ejb.edu");
});

test('format_bytes', () => {
  assert.equal(call('format_bytes', [l(564)]), '564 Bytes');
  assert.equal(call('format_bytes', [l(10332), l(1)]), '10.1 KB');
  assert.equal(call('format_bytes', [l(20010332)]), '19 MB');
  assert.equal(call('format_bytes', [l(20010332), l(2)]), '19.08 MB');
  assert.equal(call('format_bytes', [l(20010332), l(0), s('KB')]), '19541 KB');
  assert.equal(call('format_bytes', [['real', 1024]]), '1 KB');
});

test('gzip and zlib base64: stored blocks byte for byte as Kusto writes them; bad input is empty', () => {
  // oracle gzip-base64-compress-00, zlib-base64-compress-function-00
  assert.equal(call('gzip_compress_to_base64_string', [s('1234567890qwertyuiop')]), 'H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA==');
  assert.equal(call('zlib_compress_to_base64_string', [s('1234567890qwertyuiop')]), 'eAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw==');
  assert.equal(call('gzip_decompress_from_base64_string', [s('H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA==')]), '1234567890qwertyuiop');
  // oracle zlib-base64-decompress-function-00: compressed by zlib at its default level
  assert.equal(call('zlib_decompress_from_base64_string', [s('eJwLSS0uUSguKcrMS1cwNDIGACxqBQ4=')]), 'Test string 123');
  // oracle gzip-base64-decompress-01
  assert.equal(call('gzip_decompress_from_base64_string', [s('x0x0x0')]), '');
  assert.equal(call('zlib_decompress_from_base64_string', [s('x0x0x0')]), '');
  assert.equal(call('zlib_decompress_from_base64_string', [s('AAAA')]), '', 'valid base64, not zlib');
  for (const text of ['', 'héllo ⒦ 😀', 'abc'.repeat(30000)]) {
    assert.equal(call('gzip_decompress_from_base64_string', [s(call('gzip_compress_to_base64_string', [s(text)]) as string)]), text);
    assert.equal(call('zlib_decompress_from_base64_string', [s(call('zlib_compress_to_base64_string', [s(text)]) as string)]), text);
  }
  // A gzip header with FLG set (here FNAME) is refused, as Kusto documents.
  const named = Buffer.from(call('gzip_compress_to_base64_string', [s('x')]) as string, 'base64');
  named[3] = 8;
  assert.equal(call('gzip_decompress_from_base64_string', [s(named.toString('base64'))]), '');
});
