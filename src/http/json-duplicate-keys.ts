/**
 * Finds a key repeated within one JSON object (issue 11 class 8). JSON.parse and secure-json-parse
 * silently keep the last of `{"amount":1,"amount":100000}`, so a proxy, a log and this server could
 * disagree about what was sent; RFC 8259 section 4 leaves the result of repeated names undefined, and
 * RFC 7493 (I-JSON) section 2.3 forbids them. No JSON.parse hook sees repeated keys (a reviver only
 * sees the surviving value), and the maintained parsers that report them build a full syntax tree
 * (@humanwhocodes/momoa) or are unmaintained, so this is a small linear scanner instead: one pass, no
 * backtracking, a stack of the keys seen per open object. Keys are compared after unescaping, so
 * `"amount"` and `"\u0061mount"` are the same key. Malformed JSON is left to the parser to refuse.
 */

interface ObjectFrame {
  keys: Set<string>;
  expectKey: boolean;
}

/** The first repeated key (unescaped), or null; never throws, whatever the text. */
export function findDuplicateKey(text: string): string | null {
  // One entry per open container: a frame for an object, null for an array.
  const stack: (ObjectFrame | null)[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      const start = i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
      if (top && top.expectKey) {
        top.expectKey = false;
        const key = unescapeKey(text.slice(start, i));
        if (key === null) continue;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
      }
    } else {
      if (c === 0x7b) stack.push({ keys: new Set(), expectKey: true });
      else if (c === 0x5b) stack.push(null);
      else if (c === 0x7d || c === 0x5d) stack.pop();
      else if (c === 0x2c && top) top.expectKey = true;
      i++;
    }
  }
  return null;
}

function unescapeKey(literal: string): string | null {
  if (!literal.includes('\\')) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return null;
  }
}
