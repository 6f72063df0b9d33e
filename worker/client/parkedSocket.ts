import type { JsonObject } from "../../protocol/json.js";
import { SYNC_IDLE_HEADER } from "../../platform/syncRequest.js";

/**
 * The Worker's side of a long-poll parked in a UserDO (GET /sync and sliding sync): the UserDO
 * hands back a hibernatable WebSocket and sends the response over it when something arrives, or
 * a bare word ("wake", "superseded") when the Worker must act itself.
 */

/** What the parked socket brought before the timeout, if anything. */
export type ParkedOutcome =
  | { kind: "answer"; body: JsonObject }
  | { kind: "signal"; text: string }
  | { kind: "closed" }
  | { kind: "error" }
  | { kind: "timeout" };

/** The response to give if the wait ends with nothing new, from the UserDO's handshake reply. */
export function idleResponseOf(res: Response): JsonObject {
  try {
    return JSON.parse(res.headers.get(SYNC_IDLE_HEADER) ?? "{}") as JsonObject;
  } catch {
    return {};
  }
}

/** Accepts the socket, waits for its first message (or its end, or the timeout) and closes it. */
export async function awaitParked(ws: WebSocket, timeoutMs: number): Promise<ParkedOutcome> {
  ws.accept();
  const outcome = await new Promise<ParkedOutcome>((resolve) => {
    const timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs);
    const done = (o: ParkedOutcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    ws.addEventListener("message", (ev) => {
      const text = typeof ev.data === "string" ? ev.data : "";
      // The UserDO sends the response itself when it fits in a message.
      if (text.startsWith("{")) {
        try {
          done({ kind: "answer", body: JSON.parse(text) as JsonObject });
          return;
        } catch {
          // not a response after all: a plain signal
        }
      }
      done({ kind: "signal", text });
    });
    ws.addEventListener("close", () => done({ kind: "closed" }));
    ws.addEventListener("error", () => done({ kind: "error" }));
  });
  try {
    ws.close(1000, "done");
  } catch {
    // already closed
  }
  return outcome;
}
