// A one-line progress bar on stderr, drawn only when stderr is a terminal (CI logs stay clean).

export class ProgressBar {
  readonly #tty: boolean;
  #last = '';

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#tty = stream.isTTY === true;
  }

  /** `fraction` in [0, 1]; `text` follows the bar. */
  update(fraction: number, text: string): void {
    if (!this.#tty) return;
    const width = 24;
    const f = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(f * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}% ${text}`;
    const cols = process.stderr.columns ?? 120;
    const out = line.length > cols - 1 ? line.slice(0, cols - 1) : line;
    if (out === this.#last) return;
    this.#last = out;
    process.stderr.write(`\r${out}\x1b[K`);
  }

  done(): void {
    if (!this.#tty || this.#last === '') return;
    process.stderr.write('\r\x1b[K');
    this.#last = '';
  }
}
