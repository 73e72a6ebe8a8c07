import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { callScalar } from './testing.js';

type Arg = [ScalarType, unknown] | [ScalarType, unknown, 'const'];

/** Binds `name` as the engine does (constants marked), then calls it, honouring propagatesNulls. */
function call(name: string, args: Arg[], resultType: ScalarType = 'dynamic'): unknown {
  return callScalar(name, args.map((a) => [a[0], a[1], a[2] === 'const' ? 'const' : 'row'] as const), { resultType, fixResult: false });
}

const url = (u: string) => call('parse_url', [['string', u]]) as Record<string, any>;

test('parse_url: the documented example', () => {
  assert.deepEqual(url('scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment'), {
    Scheme: 'scheme', Host: 'host', Port: '1234', Path: '/this/is/a/path', Username: 'username',
    Password: 'password', 'Query Parameters': { k1: 'v1', k2: 'v2' }, Fragment: 'fragment',
  });
  assert.deepEqual(url('https://example.invalid:443/Path?key=Value'), {
    Scheme: 'https', Host: 'example.invalid', Port: '443', Path: '/Path', Username: '', Password: '',
    'Query Parameters': { key: 'Value' }, Fragment: '',
  });
});

test('parse_url: Kusto quirks', () => {
  // Userinfo is recognised only as user:password@.
  assert.equal(url('https://user@h.io/p').Host, 'user@h.io');
  assert.equal(url('https://user@h.io/p').Username, '');
  assert.equal(url('https://john.doe@www.example.com:123/forum/questions/?tag=networking&order=newest#top').Host, 'john.doe@www.example.com');
  // The port is what follows the last colon of the authority.
  assert.equal(url('https://[::1]:80/p').Host, '[::1]');
  assert.equal(url('https://[::1]:80/p').Port, '80');
  assert.equal(url('ldap://[2001:db8::7]/c=GB?objectClass?one').Host, '[2001:db8:');
  // Query keys sorted; repeats become arrays; an empty key or value, or no '=', is left out.
  assert.deepEqual(Object.keys(url('https://h.io/p?y=2&x=1')['Query Parameters']), ['x', 'y']);
  assert.deepEqual(url('https://h.io/p?x=1&y=2&x=3')['Query Parameters'], { x: ['1', '3'], y: '2' });
  for (const u of ['https://h.io/p?k=', 'https://h.io/p?=v', 'https://h.io/p?flag', 'ldap://[2001:db8::7]/c=GB?objectClass?one']) {
    assert.deepEqual(url(u)['Query Parameters'], {}, u);
  }
  // A lone slash is the empty path only at the end of the input.
  assert.equal(url('https://h.io/').Path, '');
  assert.equal(url('https://h.io/?x=1').Path, '/');
  assert.equal(url('https://h.io/#').Path, '/');
  assert.equal(url('https://h.io').Path, '');
  // Nothing is decoded or case-folded.
  assert.equal(url('https://h.io/a%20b').Path, '/a%20b');
  assert.equal(url('HTTPS://H.IO/P').Scheme, 'HTTPS');
  assert.equal(url('https://h.io/p?q=a%20b').Path, '/p');
  assert.equal(url('https://h.io/p?q=a%20b')['Query Parameters'].q, 'a%20b');
});

test('parse_url: without "scheme://" every part is empty', () => {
  for (const u of ['not a url', '', '//h.io/p', 'www.bing.com/search?q=x', 'mailto:John.Doe@example.com']) {
    assert.deepEqual(url(u), {
      Scheme: '', Host: '', Port: '', Path: '', Username: '', Password: '', 'Query Parameters': {}, Fragment: '',
    }, u);
  }
  assert.equal((call('parseurl', [['string', 'http://a.b/c']]) as any).Host, 'a.b');
});

test('parse_urlquery', () => {
  assert.deepEqual(call('parse_urlquery', [['string', 'k1=v1&k2=v2&k3=v3']]), { 'Query Parameters': { k1: 'v1', k2: 'v2', k3: 'v3' } });
  assert.deepEqual(call('parse_urlquery', [['string', 'view=vs-2019&preserve-view=true']]),
    { 'Query Parameters': { 'preserve-view': 'true', view: 'vs-2019' } });
  assert.deepEqual(call('parseurlquery', [['string', '']]), { 'Query Parameters': {} });
});

const path = (p: string) => call('parse_path', [['string', p]]);

test('parse_path: the documented examples', () => {
  assert.deepEqual(path('C:\\temp\\file.txt'), {
    Scheme: '', RootPath: 'C:\\', DirectoryPath: 'C:\\temp', DirectoryName: 'temp', Filename: 'file.txt',
    Extension: 'txt', AlternateDataStreamName: '',
  });
  assert.deepEqual(path('temp\\file.txt'), {
    Scheme: '', RootPath: '', DirectoryPath: 'temp', DirectoryName: 'temp', Filename: 'file.txt',
    Extension: 'txt', AlternateDataStreamName: '',
  });
  assert.deepEqual(path('file://C:/temp/file.txt:some.exe'), {
    Scheme: 'file', RootPath: 'C:/', DirectoryPath: 'C:/temp', DirectoryName: 'temp', Filename: 'file.txt',
    Extension: 'txt', AlternateDataStreamName: 'some.exe',
  });
  assert.deepEqual(path('\\\\shared\\users\\temp\\file.txt.gz'), {
    Scheme: '', RootPath: '', DirectoryPath: '\\\\shared\\users\\temp', DirectoryName: 'temp', Filename: 'file.txt.gz',
    Extension: 'gz', AlternateDataStreamName: '',
  });
  assert.deepEqual(path('/usr/lib/temp/file.txt'), {
    Scheme: '', RootPath: '', DirectoryPath: '/usr/lib/temp', DirectoryName: 'temp', Filename: 'file.txt',
    Extension: 'txt', AlternateDataStreamName: '',
  });
});

test('parse_path: edges', () => {
  const p = (s: string) => path(s) as Record<string, string>;
  assert.equal(p('file.txt').DirectoryPath, '');
  assert.equal(p('file.txt').Filename, 'file.txt');
  assert.equal(p('C:\\file.txt').DirectoryPath, 'C:\\');
  assert.equal(p('C:\\file.txt').DirectoryName, '');
  assert.equal(p('C:\\Windows\\System32\\').Filename, '');
  assert.equal(p('C:\\Windows\\System32\\').DirectoryName, 'System32');
  assert.equal(p('C:\\Windows\\notepad').Extension, '');
  assert.equal(p('\\\\?\\C:\\very\\long.dll').RootPath, '\\\\?\\C:\\');
  assert.equal(p('\\\\?\\C:\\very\\long.dll').DirectoryName, 'very');
  assert.equal(p('C:\\x\\evil.txt:hidden.exe:$DATA').AlternateDataStreamName, 'hidden.exe:$DATA');
  assert.equal(p('/file.txt').DirectoryPath, '/');
});

const argv = (cmd: string) => call('parse_command_line', [['string', cmd], ['string', 'windows', 'const']]);

test('parse_command_line follows CommandLineToArgvW', () => {
  assert.deepEqual(argv('echo "hello world!"'), ['echo', 'hello world!']);
  assert.deepEqual(argv('prog "abc" d e'), ['prog', 'abc', 'd', 'e']);
  assert.deepEqual(argv('prog a\\\\\\b d"e f"g h'), ['prog', 'a\\\\\\b', 'de fg', 'h']);
  assert.deepEqual(argv('prog a\\\\\\"b c d'), ['prog', 'a\\"b', 'c', 'd']);
  assert.deepEqual(argv('prog a\\\\\\\\"b c" d e'), ['prog', 'a\\\\b c', 'd', 'e']);
  assert.deepEqual(argv('prog a "" b'), ['prog', 'a', '', 'b']);
  assert.deepEqual(argv('prog   a\t b  '), ['prog', 'a', 'b']);
  // The program name takes no escapes: backslashes before its closing quote stay.
  assert.deepEqual(argv('"C:\\Program Files\\app.exe" -x /y:"a b"'), ['C:\\Program Files\\app.exe', '-x', '/y:a b']);
  assert.deepEqual(argv('"C:\\dir\\\\" x'), ['C:\\dir\\\\', 'x']);
  assert.deepEqual(argv('powershell.exe -enc SQBFAFgA'), ['powershell.exe', '-enc', 'SQBFAFgA']);
  assert.deepEqual(argv(''), []);
  assert.throws(() => call('parse_command_line', [['string', 'a b'], ['string', 'linux', 'const']]), /windows/);
});

test('parse_csv', () => {
  const csv = (s: string) => call('parse_csv', [['string', s]]);
  assert.deepEqual(csv('aa,"b,b,b",cc,"Escaping quotes: ""Title""","line1\nline2"'),
    ['aa', 'b,b,b', 'cc', 'Escaping quotes: "Title"', 'line1\nline2']);
  assert.deepEqual(csv('record1,a,b,c\nrecord2,x,y,z'), ['record1', 'a', 'b', 'c']);
  assert.deepEqual(csv('a,,b,'), ['a', '', 'b', '']);
  assert.deepEqual(csv('x\r\ny'), ['x']);
  assert.deepEqual(csv('Guy Reginiano, Guy Yehudy'), ['Guy Reginiano', ' Guy Yehudy']);
});

test('parse_version', () => {
  const v = (s: string) => call('parse_version', [['string', s]], 'decimal');
  assert.equal(v('0.0.0.5'), 5);
  assert.equal(v('0.0.7.0'), 700000000);
  assert.equal(v('0.0.3'), 300000000);
  assert.equal(v('0.2'), 20000000000000000);
  assert.equal(v('0.1.2.0'), 10000000200000000);
  assert.equal(v('1.2.3.4'), Number('1000000020000000300000004'));
  assert.equal(v('1'), 1e24);
  assert.ok((v('99999999.0.0.0') as number) > (v('1.2.3.4') as number));
  assert.ok((v('1.0.0.0') as number) > (v('0.1.2.0') as number));
  for (const bad of ['', '1.2.3.4.5', '1.', 'a.b', '123456789', '1..2', '-1']) assert.equal(v(bad), null, bad);
});
