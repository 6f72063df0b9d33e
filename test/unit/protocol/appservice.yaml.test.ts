import { test } from "node:test";
import assert from "node:assert/strict";
import { parseYamlDocuments, YamlError } from "../../../protocol/appservice/yaml.js";

import { APPSERVICE_IRC, HEISENBRIDGE, MAUTRIX_WHATSAPP } from "./appserviceFixtures.js";

test("yaml: a mautrix-style registration parses to the same object PyYAML would give", () => {
  const [doc] = parseYamlDocuments(MAUTRIX_WHATSAPP);
  assert.deepEqual(doc, {
    id: "whatsapp",
    url: "http://localhost:29318",
    as_token: "wa_as_4Kq9cYBxLzT1",
    hs_token: "wa_hs_p8Rm2VnQeJw7",
    sender_localpart: "SH98XxA4xvgFtlbx1NxJm9VYW6q3BdYg",
    rate_limited: false,
    namespaces: {
      users: [
        { regex: "^@whatsappbot:example\\.org$", exclusive: true },
        { regex: "^@whatsapp_.*:example\\.org$", exclusive: true },
      ],
    },
    "de.sorunome.msc2409.push_ephemeral": true,
    receive_ephemeral: true,
    "org.matrix.msc3202": true,
  });
});

test("yaml: heisenbridge's four-space indentation and '-   key' sequence items", () => {
  const [doc] = parseYamlDocuments(HEISENBRIDGE);
  assert.deepEqual(doc, {
    id: "heisenbridge",
    url: "http://localhost:9898",
    as_token: "hb-as-0f1e2d3c",
    hs_token: "hb-hs-4b5a6978",
    rate_limited: false,
    sender_localpart: "heisenbridge",
    namespaces: { users: [{ regex: "@irc_.*", exclusive: true }], aliases: [], rooms: [] },
  });
});

test("yaml: matrix-appservice-irc's comments, double-quoted escapes and flow sequence", () => {
  const [doc] = parseYamlDocuments(APPSERVICE_IRC);
  assert.deepEqual(doc, {
    id: "IRC Bridge",
    hs_token: "312df522183efd404ec1cd22d2ffa4bbc76a8c1ccf541dd692eef281356bb74e",
    as_token: "30c05ae90a248a4188e620216fa72e349803310ec83e2a77b34fe90be6081f46",
    namespaces: {
      users: [{ exclusive: true, regex: "@irc_.*:example\\.org" }],
      aliases: [{ exclusive: true, regex: "#irc_.*:example\\.org" }],
      rooms: [],
    },
    url: "http://127.0.0.1:1234",
    sender_localpart: "appservice-irc",
    rate_limited: false,
    protocols: ["irc"],
  });
});

test("yaml: several documents separated by ---, empty ones skipped", () => {
  const docs = parseYamlDocuments(`---\n${MAUTRIX_WHATSAPP}---\n# nothing here\n---\n${HEISENBRIDGE}...\n`);
  assert.equal(docs.length, 2);
  assert.deepEqual(docs.map((d) => (d as { id: string }).id), ["whatsapp", "heisenbridge"]);
});

test("yaml: scalars resolve as YAML 1.1 / PyYAML: null, booleans, numbers, strings", () => {
  const [doc] = parseYamlDocuments(
    "a: null\nb: ~\nc:\nd: yes\ne: Off\nf: 12\ng: -3.5\nh: '12'\ni: \"a\\tb\\u00e9\\\"\"\nj: 'it''s'\nk: http://x:1/y\nl: [a, 'b', \"c\", 3]\nm: {}\nn: a # comment\no: 'a # not a comment'\n",
  );
  assert.deepEqual(doc, { a: null, b: null, c: null, d: true, e: false, f: 12, g: -3.5, h: "12", i: 'a\tbé"', j: "it's", k: "http://x:1/y", l: ["a", "b", "c", 3], m: {}, n: "a", o: "a # not a comment" });
});

test("yaml: a sequence of scalars, nested sequences, and a document that is a sequence", () => {
  assert.deepEqual(parseYamlDocuments("p:\n  - irc\n  - 'matrix'\nq:\n- - 1\n  - 2\n"), [{ p: ["irc", "matrix"], q: [[1, 2]] }]);
  assert.deepEqual(parseYamlDocuments("- a\n- b: 1\n  c: 2\n"), [["a", { b: 1, c: 2 }]]);
});

test("yaml: what it does not support is refused with the line, never guessed", () => {
  const refused: [string, RegExp][] = [
    ["a: |\n  text\n", /line 1: block scalars/],
    ["a: &x 1\nb: *x\n", /line 1: anchors/],
    ["a: !!str 1\n", /line 1: anchors, aliases and tags/],
    ["a: b\na: c\n", /line 2: duplicate key 'a'/],
    ["a: 'open\n  close'\n", /line 1: multi-line quoted/],
    ["a: b\n  c: d\n", /line 2: unexpected indented content/],
    ["a:\n  b: 1\n c: 2\n", /line 3: bad indentation/],
    ["a: \"\\q\"\n", /line 1: unknown escape/],
    ["a: [1, 2\n", /line 1: expected ','/],
    ["a: @x\n", /line 1: a plain scalar cannot start with '@'/],
    ["%YAML 1.2\n---\na: 1\n", /line 1: YAML directives/],
    ["\ta: 1\n", /line 1: tabs/],
    ["a: b: c\n", /line 1: a nested mapping on one line/],
    ["plain\ncontinued\n", /line 2: unexpected content|multi-line/],
  ];
  for (const [src, message] of refused) {
    assert.throws(() => parseYamlDocuments(src), (e: unknown) => e instanceof YamlError && message.test(e.message), src);
  }
});

test("yaml: __proto__ is an ordinary key", () => {
  const [doc] = parseYamlDocuments("__proto__: 1\n") as [Record<string, unknown>];
  assert.equal(Object.getPrototypeOf(doc), Object.prototype);
  assert.equal(doc["__proto__"], 1);
});

test("yaml: go-yaml v3's four-space style with sequence items indented under their key (mautrix's newer output)", () => {
  const src = [
    "id: signal",
    "url: http://localhost:29328",
    "as_token: sig_as",
    "hs_token: sig_hs",
    "sender_localpart: S1gnalB0t",
    "rate_limited: false",
    "namespaces:",
    "    users:",
    "        - regex: ^@signalbot:example\\.org$",
    "          exclusive: true",
    "        - regex: ^@signal_.*:example\\.org$",
    "          exclusive: true",
    "io.element.msc4190: true",
    "",
  ].join("\n");
  assert.deepEqual(parseYamlDocuments(src), [
    {
      id: "signal",
      url: "http://localhost:29328",
      as_token: "sig_as",
      hs_token: "sig_hs",
      sender_localpart: "S1gnalB0t",
      rate_limited: false,
      namespaces: {
        users: [
          { regex: "^@signalbot:example\\.org$", exclusive: true },
          { regex: "^@signal_.*:example\\.org$", exclusive: true },
        ],
      },
      "io.element.msc4190": true,
    },
  ]);
});

test("yaml: Windows line endings and a byte-order mark are read like plain newlines", () => {
  assert.deepEqual(parseYamlDocuments("\uFEFFid: x\r\nurl: null\r\n---\r\nid: y\r\n"), [{ id: "x", url: null }, { id: "y" }]);
});
