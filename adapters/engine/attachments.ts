/**
 * Readers attaching to a feed and detaching independently: `follow` starts following at the
 * first attachment and the stop it returns runs at the last detachment. Each detacher works
 * once, so a reader that detaches twice cannot end another's attachment.
 */
export class Attachments {
  private count = 0;
  private stop: (() => void) | null = null;

  constructor(private readonly follow: () => () => void) {}

  get attached(): boolean {
    return this.count > 0;
  }

  attach(): () => void {
    if (this.count++ === 0) this.stop = this.follow();
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      if (--this.count > 0) return;
      this.stop?.();
      this.stop = null;
    };
  }
}
