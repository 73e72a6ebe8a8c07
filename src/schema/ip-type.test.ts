import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type IpType, ipType } from './ip-type.js';

test('ipType gives Defender\'s documented LocalIPType/RemoteIPType values, null for non-addresses', () => {
  const cases: [string, IpType | null][] = [
    // IPv4
    ['10.1.2.3', 'Private'], ['10.0.2.15', 'Private'], ['172.16.0.1', 'Private'], ['172.31.255.254', 'Private'],
    ['172.32.0.1', 'Public'], ['192.168.62.2', 'Private'],
    ['169.254.180.25', 'Private'], // link-local
    ['127.0.0.1', 'Loopback'], ['127.255.255.254', 'Loopback'],
    ['255.255.255.255', 'Broadcast'],
    ['100.64.0.1', 'Reserved'], ['100.127.255.255', 'Reserved'], ['100.128.0.1', 'Public'], // shared address space (CGNAT)
    ['192.0.2.10', 'Reserved'], ['198.51.100.10', 'Reserved'], ['203.0.113.7', 'Reserved'], // documentation
    ['192.0.0.8', 'Reserved'], ['198.18.0.1', 'Reserved'], ['0.0.0.0', 'Reserved'], ['240.0.0.1', 'Reserved'],
    ['224.0.0.251', 'Reserved'], ['239.255.255.250', 'Reserved'], // multicast
    ['8.8.8.8', 'Public'], ['40.77.226.250', 'Public'], ['1.1.1.1', 'Public'],
    // IPv6
    ['::', 'Reserved'], ['::1', 'Loopback'], ['0:0:0:0:0:0:0:1', 'Loopback'],
    ['::ffff:10.0.0.5', 'FourToSixMapping'], ['::ffff:8.8.8.8', 'FourToSixMapping'], ['::ffff:a00:5', 'FourToSixMapping'],
    ['2001:0:4137:9e50::1', 'Teredo'], ['2001:0:4136:e378::1', 'Teredo'],
    ['2001:db8::1', 'Reserved'], // documentation
    ['fd00::1', 'Private'], ['fc00::1', 'Private'], // ULA
    ['fe80::252c:71a:8319:6430', 'Private'], ['fe80:0:0:0:252c:71a:8319:6430', 'Private'], // link-local
    ['fe80::1%eth0', 'Private'], ['fe80::1%12', 'Private'], ['FE80::1', 'Private'],
    ['ff02::1', 'Reserved'], ['ff02:0:0:0:0:0:1:3', 'Reserved'], // multicast
    ['2001:4860:0:2001::68', 'Public'], ['2606:4700::1111', 'Public'], // global unicast
    ['64:ff9b::1.2.3.4', 'Reserved'], ['4000::1', 'Reserved'], // outside 2000::/3
    // whitespace around an address
    ['  8.8.8.8 ', 'Public'], ['\tfe80::1%eth0\n', 'Private'],
    // not an address
    ['', null], ['   ', null], ['not an ip', null], ['1.2.3', null], ['1.2.3.256', null], ['1.2.3.4.5', null],
    ['1::2::3', null], [':::', null], ['1:2:3:4:5:6:7:8:9', null], ['fe80::g', null],
    ['10.0.0.0/8', null], ['2001:db8::/32', null], ['1.2.3.4%eth0', null], ['fe80::1 %eth0', null],
  ];
  for (const [ip, want] of cases) assert.equal(ipType(ip), want, JSON.stringify(ip));
});
