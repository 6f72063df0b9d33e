/**
 * Runs async tasks one at a time, in call order. A Durable Object only shields storage calls
 * with its input gate; signing and hashing await WebCrypto, during which another request may
 * run. Building an event reads the room's tip and writes a new one, so those steps must not
 * interleave.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
