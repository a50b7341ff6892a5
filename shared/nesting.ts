/**
 * Refuses documents nested too deeply before a parser sees them: the yaml library takes seconds
 * (and can exhaust memory) on a few thousand nested `[`, and the event loop stalls meanwhile. One
 * linear pass over the text, no allocation per character. Edge-safe.
 */
import { AppError } from './errors.js';

/** No policy, job or schedule comes near this; a parser stays fast well beyond it. */
export const MAX_NESTING = 64;

function tooDeep(what: string, limit: number): AppError {
  return new AppError(
    'NESTED_TOO_DEEP',
    `${what} is nested more than ${limit} levels deep; flatten it (policies, jobs and schedules need only a few levels)`,
    { details: { limit } },
  );
}

/** Throws PAYLOAD_TOO_LARGE when `text` is longer than `maxChars`, before anything parses it. */
export function checkDocumentSize(text: string, what: string, maxChars: number): void {
  if (text.length > maxChars) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${text.length} characters; the limit is ${maxChars}. Split it or remove what is unused.`,
      { details: { limit: maxChars } },
    );
  }
}

/** Throws NESTED_TOO_DEEP when JSON `text` nests arrays/objects deeper than `limit`. Exact. */
export function checkJsonNesting(text: string, what: string, limit = MAX_NESTING): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      }
    } else if (c === 0x5b || c === 0x7b /* [ { */) {
      if (++depth > limit) throw tooDeep(what, limit);
    } else if ((c === 0x5d || c === 0x7d) /* ] } */ && depth > 0) depth--;
  }
}

/** Index of the quote closing the one at `start` (YAML rules: `\` escapes in "…", '' in '…'). */
function skipQuoted(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (q === '"' && c === '\\') i++;
    else if (c === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length;
}

/**
 * Throws NESTED_TOO_DEEP when YAML `text` nests deeper than `limit`, counting flow collections
 * (`[`, `{` outside quotes and comments), block indentation levels and compact `- `/`? ` items.
 * An upper bound on the depth the parser will build, so a legitimate document never comes near.
 */
export function checkYamlNesting(text: string, what: string, limit = MAX_NESTING): void {
  const indents: number[] = [];
  let flow = 0;
  let lineStart = true;
  let block = 0; // block levels of the current line
  let tokenStart = true; // a quote here opens a quoted scalar
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (lineStart && flow === 0) {
      let indent = 0;
      while (text[i + indent] === ' ') indent++;
      const next = text[i + indent];
      i += indent;
      lineStart = false;
      if (next === undefined) break;
      if (next === '\n' || next === '#') {
        i--; // blank or comment-only lines do not change the indentation
        tokenStart = true;
        continue;
      }
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      block = indents.length - 1; // the top level is not nested
      i--;
      tokenStart = true;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      tokenStart = true;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if ((c === '"' || c === "'") && tokenStart) {
      i = skipQuoted(text, i);
      tokenStart = false;
    } else if (
      (c === '-' || c === '?') &&
      tokenStart &&
      flow === 0 &&
      /\s/.test(text[i + 1] ?? ' ')
    ) {
      block++; // a compact nested sequence item or explicit key: one level more
    } else if ((c === '[' || c === '{') && (tokenStart || flow > 0)) {
      flow++;
      tokenStart = true;
    } else if ((c === ']' || c === '}') && flow > 0) {
      flow--;
      tokenStart = false;
    } else if (c === ',' && flow > 0) {
      tokenStart = true;
    } else if (c === ':' && /\s/.test(text[i + 1] ?? ' ')) {
      tokenStart = true;
    } else if (c !== ' ' && c !== '\t') {
      tokenStart = c === '!' || c === '&' ? tokenStart : false;
      continue;
    }
    if (block + flow > limit) throw tooDeep(what, limit);
  }
}
