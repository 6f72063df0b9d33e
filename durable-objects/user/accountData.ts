import { notFound } from "../../platform/errors.js";
import type { JsonObject } from "../../protocol/json.js";
import { mergeWithDefaults, type PushRuleSet, type StoredPushRules } from "../../protocol/pushRules/index.js";
import type { LiveSync } from "./liveSync.js";
import type { AccountDataStore } from "./accountDataStore.js";
import type { AccountStore } from "./accountStore.js";

/**
 * What clients store on the server for the user (spec: client-server "Client config", "Filtering",
 * "Push rules"): global and per-room account data, sync filters, and the push rules merged with
 * the server defaults. Changes go down the user's sync stream.
 */
export class AccountData {
  private readonly accounts: AccountStore;
  private readonly accountData: AccountDataStore;
  private readonly live: LiveSync;

  constructor(accounts: AccountStore, accountData: AccountDataStore, live: LiveSync) {
    this.accounts = accounts;
    this.accountData = accountData;
    this.live = live;
  }

  async getAccountData(roomId: string, type: string): Promise<JsonObject> {
    const content = this.accountData.get(roomId, type);
    if (content === undefined) throw notFound("Account data not found");
    return content;
  }

  async setAccountData(roomId: string, type: string, content: JsonObject): Promise<void> {
    this.accountData.set(roomId, type, content);
    this.live.appendStream(roomId === "" ? "account_data" : "room_account_data", roomId || null, { type, content });
  }

  async createFilter(filter: JsonObject): Promise<string> {
    return String(this.accountData.createFilter(filter));
  }

  async getFilter(filterId: string): Promise<JsonObject> {
    if (!/^\d+$/.test(filterId)) throw notFound("No such filter");
    const filter = this.accountData.filter(Number(filterId));
    if (filter === undefined) throw notFound("No such filter");
    return filter;
  }

  /** The merged ruleset, kept in memory: every delivered event is evaluated against it. */
  private rulesCache: PushRuleSet | undefined;

  pushRules(): PushRuleSet {
    if (this.rulesCache) return this.rulesCache;
    const stored = this.accountData.pushRules();
    const acc = this.accounts.account();
    if (!acc) return mergeWithDefaults(undefined, "");
    this.rulesCache = mergeWithDefaults(stored, acc.user_id);
    return this.rulesCache;
  }

  async getPushRules(): Promise<PushRuleSet> {
    return this.pushRules();
  }

  async setPushRules(stored: StoredPushRules): Promise<void> {
    this.accountData.setPushRules(stored);
    this.rulesCache = undefined;
    this.live.appendStream("account_data", null, { type: "m.push_rules", content: { global: this.pushRules() } });
  }
}
