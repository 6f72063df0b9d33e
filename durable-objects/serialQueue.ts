/**
 * Runs async tasks one at a time, in call order. A Durable Object only shields storage calls
 * with its input gate; signing and hashing await WebCrypto, during which another request may
 * run. Building an event reads the room's tip and writes a new one, so those steps must not
 * interleave.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const done = () => {
      this.waiting--;
    };
    const result = this.tail.then(task, task);
    result.then(done, done);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.waiting;
  }
}
