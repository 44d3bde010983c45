import serializePkg from "@xterm/addon-serialize";
import headlessPkg from "@xterm/headless";

// Both packages are CommonJS; their named exports are reached through the default import.
const { Terminal } = headlessPkg;
const { SerializeAddon } = serializePkg;

/**
 * A headless xterm that parses everything a PTY prints, so a tab that reloads (or a
 * second tab) gets the current screen and recent scrollback back, colours and cursor
 * included, instead of a blank terminal or a replay of megabytes of raw output.
 */
export class ScreenMirror {
  private readonly term: InstanceType<typeof Terminal>;
  private readonly serializer = new SerializeAddon();

  constructor(
    cols: number,
    rows: number,
    private readonly scrollback = 1000,
  ) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
    this.term.loadAddon(this.serializer);
  }

  /** `done` runs once the data is parsed: the mirror is a flow-control consumer like a tab. */
  write(data: Uint8Array, done: () => void): void {
    this.term.write(data, done);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /**
   * The screen as escape sequences, once everything written before this call is parsed
   * (xterm runs write callbacks in order, so nothing written later is included).
   */
  snapshot(): Promise<string> {
    return new Promise((resolve) => {
      this.term.write("", () => resolve(this.serializer.serialize({ scrollback: this.scrollback })));
    });
  }

  dispose(): void {
    this.term.dispose();
  }
}
