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

const FLOW = '[]{},';

/**
 * Throws NESTED_TOO_DEEP when YAML `text` nests deeper than `limit`, counting flow collections
 * (`[`, `{` outside quotes, comments and block scalars), block indentation levels and compact
 * `- `/`? ` items. Meant as an upper bound on the depth the parser builds; a legitimate document
 * never comes near the limit.
 */
export function checkYamlNesting(text: string, what: string, limit = MAX_NESTING): void {
  const indents: number[] = [];
  let flow = 0;
  let block = 0; // block levels of the current line
  let lineAt = 0; // where the current line starts
  let lineStart = true;
  let tokenStart = true; // a quote here opens a quoted scalar, a bracket a collection
  let nodeCol = 0; // column of the last block node started on this line
  let scalarIndent = -1; // inside a block scalar (| or >): lines indented more are its text
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (lineStart && flow === 0) {
      let indent = 0;
      while (text[i + indent] === ' ') indent++;
      const next = text[i + indent];
      lineAt = i;
      i += indent;
      lineStart = false;
      tokenStart = true;
      nodeCol = indent;
      if (next === undefined) break;
      if (scalarIndent >= 0 && (next === '\n' || indent > scalarIndent)) {
        while (i < text.length && text[i] !== '\n') i++;
        i--; // the block scalar's text: nothing in it nests
        continue;
      }
      scalarIndent = -1;
      i--;
      if (next === '\n' || next === '#') continue; // blank or comment-only: indentation unchanged
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      block = indents.length - 1; // the top level is not nested
      continue;
    }
    const blockToken = tokenStart && flow === 0;
    if (c === '\n') {
      lineStart = true;
      tokenStart = true;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if ((c === '"' || c === "'") && tokenStart) {
      if (blockToken) nodeCol = i - lineAt;
      i = skipQuoted(text, i);
      tokenStart = false;
    } else if ((c === '-' || c === '?') && blockToken && /\s/.test(text[i + 1] ?? ' ')) {
      // A compact sequence item or explicit key: one level more, whose content (maybe a mapping
      // that later lines continue or nest under) starts at the next non-blank column.
      let content = i + 1;
      while (text[content] === ' ') content++;
      nodeCol = i - lineAt;
      indents.push(content - lineAt);
      block = indents.length - 1;
    } else if ((c === '|' || c === '>') && blockToken) {
      scalarIndent = nodeCol; // a block scalar: its text starts on the next line
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if ((c === '!' || c === '&') && tokenStart) {
      // A tag or anchor: the node (maybe a quoted scalar or a collection) follows it.
      while (i + 1 < text.length && !/\s/.test(text[i + 1]!) && !FLOW.includes(text[i + 1]!)) i++;
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
      if (blockToken) nodeCol = i - lineAt;
      tokenStart = false;
      continue;
    }
    if (block + flow > limit) throw tooDeep(what, limit);
  }
}
