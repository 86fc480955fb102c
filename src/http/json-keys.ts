/**
 * The first name that appears twice among a JSON object's own members, or null. `JSON.parse`
 * keeps the last of repeated names (RFC 8259 section 4 leaves it to the parser), so a body
 * `{"email":"a@x","email":"b@x"}` would mean one thing to a proxy or firewall that keeps the
 * first and another here: such a body is refused instead, as a repeated form field is.
 *
 * @param text A JSON text that `JSON.parse` accepted and whose value is an object.
 */
export function repeatedTopLevelName(text: string): string | null {
  const names = new Set<string>();
  let depth = 0;
  let nameNext = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      const start = index;
      index += 1;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      if (index >= text.length) return null;
      if (depth === 1 && nameNext) {
        const name = JSON.parse(text.slice(start, index + 1)) as string;
        if (names.has(name)) return name;
        names.add(name);
      }
      nameNext = false;
    } else if (char === '{' || char === '[') {
      depth += 1;
      nameNext = depth === 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
    } else if (char === ',' && depth === 1) {
      nameNext = true;
    }
  }
  return null;
}
