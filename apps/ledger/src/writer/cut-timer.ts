// Cuts a partial block the moment its oldest event reaches BLOCK_MAX_AGE_MS: one timer to that deadline, armed when
// events wait and again after each cut. (A tick every maxAge/10, at least 10 ms, cut up to one tick late: half the
// age again at BLOCK_MAX_AGE_MS=20.)
import type { BlockCutter } from '../block/block-cutter';

export class CutTimer {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly cutter: BlockCutter<unknown>,
    /** Starts a cut of the due blocks (or joins the one under way); resolves when it is done. */
    private readonly cutIfDue: () => Promise<void>,
  ) {}

  /** After events were added: arms the timer for the oldest waiting event, unless it is armed already. */
  arm(): void {
    if (this.timer !== undefined || this.stopped) return;
    const wait = this.cutter.msUntilDue(Date.now());
    if (wait === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Armed for events a full block took meanwhile: not due yet, so it is armed for the next oldest.
      const cut = this.cutter.due(Date.now()) ? this.cutIfDue() : Promise.resolve();
      void cut.finally(() => this.arm());
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
