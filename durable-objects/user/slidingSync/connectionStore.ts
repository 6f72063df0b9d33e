/**
 * Sliding sync connections (tables `sliding_connections`, `sliding_positions`, `sliding_rooms`):
 * per (device, conn_id), the responses ("generations") given and what each room was last sent
 * with. Generation numbers only grow, and each names its parent (the generation the request's
 * pos stood for). Once the client sends pos M, M's siblings are dead: settleAt(M) removes them,
 * after which a room's state at M is its row with the largest gen <= M. This store is the
 * tables' only writer.
 */

export interface Connection {
  id: number;
  nonce: string;
  /** The latest request of the connection, as JSON (see slidingSync.ts). */
  request: string;
  lastUsedTs: number;
}

/** What a connection was last sent of one room. */
export interface SentRoom {
  roomId: string;
  /** The room's data up to this stream position has been sent. */
  sentPos: number;
  /** The combined room config it was sent with (JSON of RoomConfigs). */
  config: string;
  membership: string;
}

export interface Position {
  /** The generation this one was built on (0: none). */
  parent: number;
  streamPos: number;
  /** JSON of the list counts the response gave. */
  listCounts: string;
}

export class SlidingConnectionStore {
  constructor(private readonly sql: SqlStorage) {}

  find(deviceId: string, connId: string): Connection | undefined {
    return this.sql
      .exec<{ id: number; nonce: string; request: string; lastUsedTs: number }>(
        "SELECT id, nonce, request, last_used_ts AS lastUsedTs FROM sliding_connections WHERE device_id = ? AND conn_id = ?",
        deviceId,
        connId,
      )
      .toArray()[0];
  }

  /** Starts the connection over (a request without pos): everything sent before is forgotten. */
  start(deviceId: string, connId: string, nonce: string, request: string, now: number): Connection {
    const old = this.find(deviceId, connId);
    if (old) this.drop(old.id);
    const id = this.sql
      .exec<{ id: number }>("INSERT INTO sliding_connections (device_id, conn_id, nonce, request, last_used_ts) VALUES (?, ?, ?, ?, ?) RETURNING id", deviceId, connId, nonce, request, now)
      .one().id;
    return { id, nonce, request, lastUsedTs: now };
  }

  setRequest(conn: number, request: string, now: number): void {
    this.sql.exec("UPDATE sliding_connections SET request = ?, last_used_ts = ? WHERE id = ?", request, now, conn);
  }

  position(conn: number, gen: number): Position | undefined {
    return this.sql
      .exec<{ parent: number; streamPos: number; listCounts: string }>(
        "SELECT parent, stream_pos AS streamPos, list_counts AS listCounts FROM sliding_positions WHERE conn = ? AND gen = ?",
        conn,
        gen,
      )
      .toArray()[0];
  }

  /** The number for a new generation: above every generation the connection has had. */
  nextGen(conn: number): number {
    return (this.sql.exec<{ g: number | null }>("SELECT MAX(gen) AS g FROM sliding_positions WHERE conn = ?", conn).one().g ?? 0) + 1;
  }

  /**
   * The client has processed generation `gen` (it sent that pos). Generations older than it are
   * done with (its ancestors, and siblings the client never processed); so are the rooms sent by
   * those siblings, and every older row of a room that `gen`'s chain sent again. Generations
   * newer than `gen` stay: they are its children, or siblings built for a request the client
   * cancelled, and never count for `gen` (rows are read up to `gen` only).
   */
  settleAt(conn: number, gen: number): void {
    const parent = this.position(conn, gen)?.parent ?? 0;
    this.sql.exec("DELETE FROM sliding_positions WHERE conn = ? AND gen < ?", conn, gen);
    this.sql.exec("DELETE FROM sliding_rooms WHERE conn = ? AND gen > ? AND gen < ?", conn, parent, gen);
    this.sql.exec(
      `DELETE FROM sliding_rooms WHERE conn = ?1 AND gen < (SELECT MAX(r2.gen) FROM sliding_rooms r2
         WHERE r2.conn = ?1 AND r2.room_id = sliding_rooms.room_id AND r2.gen <= ?2)`,
      conn,
      gen,
    );
  }

  /** What each room was last sent with as of generation `gen` (after settleAt(gen): one row per room up to it). */
  sentRooms(conn: number, gen: number): Map<string, SentRoom> {
    const out = new Map<string, SentRoom>();
    for (const r of this.sql.exec<{ room_id: string; sent_pos: number; config: string; membership: string }>(
      "SELECT room_id, sent_pos, config, membership FROM sliding_rooms WHERE conn = ? AND gen <= ?",
      conn,
      gen,
    )) {
      out.set(r.room_id, { roomId: r.room_id, sentPos: r.sent_pos, config: r.config, membership: r.membership });
    }
    return out;
  }

  /** Records a new generation: its stream position, its list counts and the rooms it sent. */
  addGeneration(conn: number, gen: number, position: Position, rooms: readonly SentRoom[]): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO sliding_positions (conn, gen, parent, stream_pos, list_counts) VALUES (?, ?, ?, ?, ?)",
      conn,
      gen,
      position.parent,
      position.streamPos,
      position.listCounts,
    );
    for (const r of rooms) {
      this.sql.exec(
        "INSERT OR REPLACE INTO sliding_rooms (conn, gen, room_id, sent_pos, config, membership) VALUES (?, ?, ?, ?, ?, ?)",
        conn,
        gen,
        r.roomId,
        r.sentPos,
        r.config,
        r.membership,
      );
    }
  }

  /** Keeps a device's `keep` most recently used connections and drops the rest. */
  pruneDevice(deviceId: string, keep: number): void {
    const stale = this.sql
      .exec<{ id: number }>("SELECT id FROM sliding_connections WHERE device_id = ? ORDER BY last_used_ts DESC, id DESC LIMIT -1 OFFSET ?", deviceId, keep)
      .toArray();
    for (const r of stale) this.drop(r.id);
  }

  /** Connections of devices that no longer exist go (after a logout or a device deletion). */
  dropGoneDevices(): void {
    for (const r of this.sql.exec<{ id: number }>("SELECT id FROM sliding_connections WHERE device_id NOT IN (SELECT device_id FROM devices)").toArray()) this.drop(r.id);
  }

  private drop(conn: number): void {
    this.sql.exec("DELETE FROM sliding_rooms WHERE conn = ?", conn);
    this.sql.exec("DELETE FROM sliding_positions WHERE conn = ?", conn);
    this.sql.exec("DELETE FROM sliding_connections WHERE id = ?", conn);
  }
}
