/**
 * Just enough XML for reading other tools' configuration files (MQTT.fx's): elements,
 * attributes, text, CDATA and the predefined and numeric entities; comments, processing
 * instructions and DOCTYPE are skipped. No DOM, so it runs in shared/. Malformed input is
 * refused with its line number.
 */

/** One element: its name, attributes and children (elements and text, in order). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: Array<XmlElement | string>;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string, line: () => number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`line ${line()}: unknown entity ${whole}`);
    return value;
  });
}

/**
 * Parses a document and returns its root element.
 * @throws Error "line N: …" when the XML is not well-formed.
 */
export function parseXml(text: string): XmlElement {
  let at = 0;
  const line = () => text.slice(0, at).split('\n').length;
  const fail = (why: string): never => {
    throw new Error(`line ${line()}: ${why}`);
  };
  const root: XmlElement = { name: '#document', attributes: {}, children: [] };
  const stack: XmlElement[] = [root];
  while (at < text.length) {
    const open = text.indexOf('<', at);
    const top = stack[stack.length - 1]!;
    if (open < 0 || open > at) {
      const chunk = text.slice(at, open < 0 ? text.length : open);
      if (chunk.trim()) top.children.push(decode(chunk, line));
      if (open < 0) break;
      at = open;
    }
    if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at);
      if (end < 0) fail('a comment is not closed');
      at = end + 3;
    } else if (text.startsWith('<![CDATA[', at)) {
      const end = text.indexOf(']]>', at);
      if (end < 0) fail('a CDATA section is not closed');
      top.children.push(text.slice(at + 9, end));
      at = end + 3;
    } else if (text.startsWith('<?', at) || text.startsWith('<!', at)) {
      const end = text.indexOf('>', at);
      if (end < 0) fail('a declaration is not closed');
      at = end + 1;
    } else if (text.startsWith('</', at)) {
      const match = /^<\/([^\s>]+)\s*>/.exec(text.slice(at));
      if (!match) fail('a closing tag is malformed');
      if (stack.length === 1 || top.name !== match![1]) fail(`</${match![1]}> does not close <${top.name}>`);
      stack.pop();
      at += match![0].length;
    } else {
      const match = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(at));
      if (!match) fail('a tag is malformed');
      const attributes: Record<string, string> = {};
      for (const attr of match![2]!.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes[attr[1]!] = decode(attr[2] ?? attr[3] ?? '', line);
      const element: XmlElement = { name: match![1]!, attributes, children: [] };
      top.children.push(element);
      if (!match![3]) stack.push(element);
      at += match![0].length;
    }
  }
  if (stack.length > 1) fail(`<${stack[stack.length - 1]!.name}> is not closed`);
  const element = root.children.find((c): c is XmlElement => typeof c !== 'string');
  if (!element) throw new Error('line 1: no root element');
  return element;
}

/** The child elements named `name`. */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return (element?.children ?? []).filter((c): c is XmlElement => typeof c !== 'string' && c.name === name);
}

/** The first child element named `name`. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return children(element, name)[0];
}

/** The text of a child element (trimmed), or undefined when absent or empty. */
export function childText(element: XmlElement | undefined, name: string): string | undefined {
  const found = child(element, name);
  const text = found?.children.filter((c): c is string => typeof c === 'string').join('').trim();
  return text ? text : undefined;
}
