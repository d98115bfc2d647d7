/** A progress line on a terminal (redrawn in place), or a line every 10% when written to a file or pipe. */
export class Progress {
  private done_ = 0;
  private readonly started = performance.now();
  private lastDecile = -1;

  private readonly total: number;
  private readonly stream: NodeJS.WriteStream;

  constructor(total: number, stream: NodeJS.WriteStream) {
    this.total = total;
    this.stream = stream;
  }

  tick(): void {
    this.done_ += 1;
    const fraction = this.total === 0 ? 1 : this.done_ / this.total;
    const rate = this.done_ / ((performance.now() - this.started) / 1000);
    const eta = rate > 0 ? Math.round((this.total - this.done_) / rate) : 0;
    const line = `${this.done_}/${this.total} ${(fraction * 100).toFixed(0)}% ${rate.toFixed(2)} msg/s, ${eta} s left`;
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}  `);
    } else if (Math.floor(fraction * 10) > this.lastDecile) {
      this.lastDecile = Math.floor(fraction * 10);
      this.stream.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
