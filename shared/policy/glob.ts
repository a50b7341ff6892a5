/**
 * Glob matching (`*` any run, `?` one character) without backtracking: the pattern is split at
 * its stars, the first piece must start the text, the last must end it, and each piece between is
 * found at its leftmost place after the previous one (the leftmost place never loses a match).
 * Time is bounded by pattern length × text length, whatever the pattern; a RegExp such as
 * `^.*a.*a.*a.*a.*b$` takes seconds on a 63-character name. Pure, edge-safe.
 */

/** A glob split at its stars: `pieces.length === 1` means no star (the whole text must match). */
export interface Glob {
  readonly pieces: readonly string[];
}

export function compileGlob(pattern: string): Glob {
  return { pieces: pattern.split('*') };
}

/** Whether `piece` (with `?` wildcards) matches `text` at `at`. */
function pieceAt(piece: string, text: string, at: number): boolean {
  for (let k = 0; k < piece.length; k++) {
    const p = piece.charCodeAt(k);
    if (p !== 0x3f /* ? */ && p !== text.charCodeAt(at + k)) return false;
  }
  return true;
}

/** The leftmost index ≥ `from` where `piece` matches and ends by `end`, or -1. */
function findPiece(piece: string, text: string, from: number, end: number): number {
  if (!piece.includes('?')) {
    const at = text.indexOf(piece, from);
    return at >= 0 && at + piece.length <= end ? at : -1;
  }
  for (let at = from; at + piece.length <= end; at++) if (pieceAt(piece, text, at)) return at;
  return -1;
}

export function matchGlob(glob: Glob, text: string): boolean {
  const { pieces } = glob;
  const first = pieces[0]!;
  if (pieces.length === 1) return text.length === first.length && pieceAt(first, text, 0);
  const last = pieces[pieces.length - 1]!;
  const end = text.length - last.length;
  if (first.length > end || !pieceAt(first, text, 0) || !pieceAt(last, text, end)) return false;
  let from = first.length;
  for (let k = 1; k < pieces.length - 1; k++) {
    const piece = pieces[k]!;
    if (piece === '') continue;
    const at = findPiece(piece, text, from, end);
    if (at < 0) return false;
    from = at + piece.length;
  }
  return true;
}
