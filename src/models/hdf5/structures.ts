/**
 * The byte ranges of the structures parsed so far (superblock, object headers), so that a
 * dataset's data can be refused when it claims to live inside them: a damaged data address of
 * 0 otherwise "reads" weights out of the superblock's bytes without a word.
 */
export class StructureRanges {
  private readonly ranges: { start: number; end: number; what: string }[] = [];

  /** Records [start, end) (absolute positions) as holding `what`. */
  add(start: number, end: number, what: string): void {
    if (end > start) this.ranges.push({ start, end, what });
  }

  /** The first recorded structure that [start, end) overlaps, if any. */
  overlapping(start: number, end: number): string | undefined {
    for (const r of this.ranges) if (start < r.end && r.start < end) return r.what;
    return undefined;
  }
}
