import { describe, expect, it } from 'vitest';
import { expandTemplate, hasPlaceholders } from '../../shared/payload-template';

const context = { counter: 7, now: () => 1763888400000, uuid: () => '0b5f2a3c-1111-4222-8333-444455556666', random: () => 0.5 };

describe('payload templates', () => {
  it.each([
    ['{"n":{{counter}}}', '{"n":7}'],
    ['{{timestamp}}', '1763888400000'],
    ['id={{uuid}}', 'id=0b5f2a3c-1111-4222-8333-444455556666'],
    ['{{random}}', '0.5'],
    ['{{random:10}}', '5'],
    ['{{random:20:30}}', '25'],
    ['{{random:-5:-1}}', '-3'],
    ['{{ counter }}/{{counter}}', '7/7'],
    ['no placeholders {here}', 'no placeholders {here}'],
  ])('%j → %j', (template, expected) => {
    expect(expandTemplate(template, context)).toBe(expected);
  });

  it('keeps random:MIN:MAX within bounds at both ends', () => {
    expect(expandTemplate('{{random:1:6}}', { ...context, random: () => 0 })).toBe('1');
    expect(expandTemplate('{{random:1:6}}', { ...context, random: () => 0.999999 })).toBe('6');
  });

  it.each([['{{nope}}'], ['{{counter:3}}'], ['{{random:9:1}}'], ['{{}}'], ['{{random:a}}']])('refuses %j with a message', (template) => {
    expect(() => expandTemplate(template, context)).toThrow(/Unknown placeholder/);
  });

  it('tells whether a text has placeholders', () => {
    expect(hasPlaceholders('{"a":{{counter}}}')).toBe(true);
    expect(hasPlaceholders('{"a":{"b":1}}')).toBe(false);
  });
});
