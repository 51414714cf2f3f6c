/** A progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise). */
import type { Progress } from '../attribution/progress.js';

export class ProgressBar {
  private lastDecile = -1;
  private readonly started = Date.now();
  constructor(
    private readonly quiet: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update = (p: Progress): void => {
    if (this.quiet || p.total <= 0) return;
    const frac = Math.min(1, p.done / p.total);
    const detail = p.detail ? ' ' + Object.entries(p.detail).map(([k, v]) => `${k} ${formatNumber(v)}`).join(' ') : '';
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.stream.isTTY) {
      const width = 28;
      const filled = Math.round(frac * width);
      this.stream.write(`\r${p.phase.padEnd(22)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${secs}s${detail}   `);
      if (p.done >= p.total) this.stream.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`${p.phase}: ${p.done}/${p.total} (${Math.round(frac * 100)}%) ${secs}s${detail}\n`);
      }
    }
  };

  message(line: string): void {
    if (!this.quiet) this.stream.write(`${line}\n`);
  }
}

function formatNumber(v: number): string {
  return Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toFixed(4);
}
