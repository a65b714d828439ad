import { describe, expect, it } from 'vitest';
import { checkTopicFilter, checkTopicName, parseSharedFilter, topicMatches } from '../../shared/topic';

describe('checkTopicName', () => {
  it.each([
    ['demo/room1', true],
    ['/', true],
    ['a//b', true],
    ['$SYS/broker/uptime', true],
    ['ünïcödé/📡', true],
    ['', false],
    ['a/+/b', false],
    ['a/#', false],
    ['#', false],
    ['a\u0000b', false],
    ['bad\uD800surrogate', false],
    ['x'.repeat(65536), false],
  ])('%j valid=%s', (topic, valid) => {
    expect(checkTopicName(topic).ok).toBe(valid);
  });

  it('explains why a topic is rejected', () => {
    expect(checkTopicName('a/+')).toEqual({ ok: false, reason: 'Topic must not contain wildcards (+ or #)' });
  });
});

describe('checkTopicFilter', () => {
  it.each([
    ['#', true],
    ['+', true],
    ['demo/#', true],
    ['+/+/+', true],
    ['a/+/c/#', true],
    ['/+', true],
    ['$share/group/sensors/#', true],
    ['', false],
    ['a/#/b', false],
    ['a#', false],
    ['a/b#', false],
    ['a+/b', false],
    ['a/+b', false],
    ['$share/', false],
    ['$share/group', false],
    ['$share/group/', false],
    ['$share/gr+oup/a', false],
    ['$share/g/a/#/b', false],
    ['a\u0000', false],
  ])('%j valid=%s', (filter, valid) => {
    expect(checkTopicFilter(filter).ok).toBe(valid);
  });
});

describe('topicMatches', () => {
  it.each([
    ['demo/#', 'demo/room1', true],
    ['demo/#', 'demo', true],
    ['demo/#', 'demo/a/b/c', true],
    ['demo/#', 'demoX/a', false],
    ['#', 'a/b', true],
    ['#', '/', true],
    ['+', 'a', true],
    ['+', 'a/b', false],
    ['+', '/a', false],
    ['+/+', '/a', true],
    ['a/+', 'a/', true],
    ['a/+', 'a', false],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
    ['$SYS/+', '$SYS/broker', true],
  ])('%j matches %j: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('parseSharedFilter', () => {
  it.each([
    ['$share/g/a/b', { group: 'g', filter: 'a/b' }],
    ['$share/g', { group: 'g', filter: '' }],
    ['a/b', undefined],
    ['$shared/g/a', undefined],
  ])('%j', (filter, expected) => {
    expect(parseSharedFilter(filter)).toEqual(expected);
  });
});
