/** Keeps the last `maxLines` lines of a stream, for the post-mortem of a failed engine. */
export class StderrTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly maxLines = 60) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  text(): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-this.maxLines).join('\n').slice(-16_000);
  }
}
