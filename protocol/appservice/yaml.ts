import type { JsonObject, JsonValue } from "../json.js";
import { setOwn } from "../json.js";

/**
 * The subset of YAML that application service registration files use (spec: the registration
 * "is normally encoded as an object in a YAML file"), so the APPSERVICES variable can hold them
 * as written, without a YAML dependency in the Worker: block mappings, block sequences (of
 * scalars or mappings, also at the parent key's indentation), flow collections (`[]`,
 * `["a", b]`, `{}`), plain, 'single'- and "double"-quoted scalars, comments, and several
 * documents separated by `---`. Scalars resolve as PyYAML's safe_load does (Synapse reads these
 * files with it): null/~/empty are null, true/false/yes/no/on/off are booleans, integers and
 * floats are numbers. Anything else (block scalars `|` `>`, anchors, aliases, tags, multi-line
 * scalars, directives) is refused with a YamlError naming the line, never guessed at.
 */
export class YamlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = "YamlError";
  }
}

interface Line {
  /** 1-based, for messages. */
  no: number;
  indent: number;
  text: string;
}

/** Every document of `source`, in order; documents holding only comments are skipped. */
export function parseYamlDocuments(source: string): JsonValue[] {
  const docs: Line[][] = [[]];
  const raw = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  raw.forEach((full, i) => {
    const no = i + 1;
    if (/^---(\s|$)/.test(full)) {
      const rest = stripComment(full.slice(3), no).trim();
      if (rest !== "") throw new YamlError("content after '---' on the same line is not supported", no);
      docs.push([]);
      return;
    }
    if (/^\.\.\.(\s|$)/.test(full)) return; // end-of-document marker
    if (full.startsWith("%")) throw new YamlError("YAML directives are not supported", no);
    const text = stripComment(full, no).trimEnd();
    if (text.trim() === "") return;
    const indent = text.length - text.trimStart().length;
    if (/^ *\t/.test(text)) throw new YamlError("tabs are not allowed in indentation", no);
    docs[docs.length - 1].push({ no, indent, text: text.slice(indent) });
  });
  return docs.filter((d) => d.length > 0).map((lines) => new Parser(lines).document());
}

/** The line without its comment: `#` at the start or after whitespace, outside quotes. */
function stripComment(line: string, no: number): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) {
        if (quote === "'" && line[i + 1] === "'") i++;
        else quote = null;
      }
    } else if (c === "#" && (i === 0 || line[i - 1] === " " || line[i - 1] === "\t")) {
      return line.slice(0, i);
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:-]/.test(line[i - 1]))) {
      quote = c;
    }
  }
  if (quote) throw new YamlError("multi-line quoted scalars are not supported", no);
  return line;
}

/** Where a block mapping's key ends: the first `:` followed by a space or the line's end, outside quotes. */
function keyEnd(text: string): number {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = null;
      }
    } else if (i === 0 && (c === '"' || c === "'")) {
      quote = c;
    } else if (i === 0 && (c === "[" || c === "{")) {
      return -1; // a flow collection, not a key
    } else if (c === ":" && (i + 1 === text.length || text[i + 1] === " ")) {
      return i;
    }
  }
  return -1;
}

const isSequenceItem = (text: string) => text === "-" || text.startsWith("- ");

class Parser {
  private pos = 0;
  constructor(private readonly lines: Line[]) {}

  document(): JsonValue {
    const value = this.node(0);
    const extra = this.lines[this.pos];
    if (extra) throw new YamlError("unexpected content (check the indentation)", extra.no);
    return value;
  }

  /** The node starting at the current line, whose lines are indented exactly `indent`. */
  private node(indent: number): JsonValue {
    const line = this.lines[this.pos];
    if (!line || line.indent < indent) return null;
    if (isSequenceItem(line.text)) return this.sequence(line.indent);
    if (keyEnd(line.text) >= 0) return this.mapping(line.indent);
    this.pos++;
    const next = this.lines[this.pos];
    if (next && next.indent > line.indent) throw new YamlError("multi-line scalars are not supported", next.no);
    return scalar(line.text, line.no);
  }

  private mapping(indent: number): JsonObject {
    const out: JsonObject = {};
    for (let line = this.lines[this.pos]; line && line.indent === indent; line = this.lines[this.pos]) {
      if (isSequenceItem(line.text)) throw new YamlError("a sequence item where a mapping key was expected", line.no);
      const end = keyEnd(line.text);
      if (end < 0) throw new YamlError("expected 'key: value'", line.no);
      const keyText = line.text.slice(0, end).trim();
      const key = keyText.startsWith('"') || keyText.startsWith("'") ? quoted(keyText, line.no) : keyText;
      if (key === "" || key === "?" ) throw new YamlError("complex or empty mapping keys are not supported", line.no);
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new YamlError(`duplicate key '${key}'`, line.no);
      const rest = line.text.slice(end + 1).trim();
      this.pos++;
      let value: JsonValue;
      if (rest !== "") {
        value = scalar(rest, line.no);
        const next = this.lines[this.pos];
        if (next && next.indent > indent) throw new YamlError("unexpected indented content after a value", next.no);
      } else {
        const next = this.lines[this.pos];
        // A block sequence may sit at its key's own indentation ("users:\n- regex: …").
        if (next && (next.indent > indent || (next.indent === indent && isSequenceItem(next.text)))) {
          value = next.indent === indent ? this.sequence(indent) : this.node(next.indent);
        } else value = null;
      }
      setOwn(out, key, value);
    }
    const stray = this.lines[this.pos];
    if (stray && stray.indent > indent) throw new YamlError("bad indentation", stray.no);
    return out;
  }

  private sequence(indent: number): JsonValue[] {
    const out: JsonValue[] = [];
    for (let line = this.lines[this.pos]; line && line.indent === indent && isSequenceItem(line.text); line = this.lines[this.pos]) {
      const rest = line.text.slice(1).trimStart();
      if (rest === "") {
        this.pos++;
        const next = this.lines[this.pos];
        out.push(next && next.indent > indent ? this.node(next.indent) : null);
        continue;
      }
      // "- key: value" opens a mapping whose keys line up with `key`: reparse the rest of
      // this line as the first line of that node, at its own column.
      const column = indent + (line.text.length - rest.length);
      this.lines[this.pos] = { no: line.no, indent: column, text: rest };
      out.push(this.node(column));
    }
    const stray = this.lines[this.pos];
    if (stray && stray.indent > indent) throw new YamlError("bad indentation", stray.no);
    return out;
  }
}

/** A scalar or flow collection written on one line. */
function scalar(text: string, no: number): JsonValue {
  const c = text[0];
  if (c === "[" || c === "{") {
    const flow = new FlowParser(text, no);
    const value = flow.value();
    flow.end();
    return value;
  }
  if (c === '"' || c === "'") return quoted(text, no);
  if (c === "|" || c === ">") throw new YamlError("block scalars ('|', '>') are not supported; use a quoted string", no);
  if (c === "&" || c === "*" || c === "!") throw new YamlError("anchors, aliases and tags are not supported", no);
  if (c === "@" || c === "`") throw new YamlError(`a plain scalar cannot start with '${c}'; quote it`, no);
  if (/:(\s|$)/.test(text)) throw new YamlError("a nested mapping on one line is not supported", no);
  return resolvePlain(text);
}

/** PyYAML's (YAML 1.1) resolution of a plain scalar. */
function resolvePlain(text: string): JsonValue {
  if (/^(~|null|Null|NULL)?$/.test(text)) return null;
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON)$/.test(text)) return true;
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF)$/.test(text)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(text)) return Number(text.replace(/_/g, ""));
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$/.test(text) && /[0-9]/.test(text)) return Number(text.replace(/_/g, ""));
  return text;
}

const ESCAPES: Record<string, string> = { "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029" };

/** One quoted scalar that must fill `text`. */
function quoted(text: string, no: number): string {
  const [value, end] = readQuoted(text, 0, no);
  if (text.slice(end).trim() !== "") throw new YamlError("unexpected text after a quoted string", no);
  return value;
}

/** The quoted scalar starting at `start`, and the index after its closing quote. */
function readQuoted(text: string, start: number, no: number): [string, number] {
  const q = text[start];
  let out = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (q === "'") {
      if (c !== "'") out += c;
      else if (text[i + 1] === "'") {
        out += "'";
        i++;
      } else return [out, i + 1];
    } else if (c === '"') return [out, i + 1];
    else if (c !== "\\") out += c;
    else {
      const e = text[++i];
      const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (hex) {
        const digits = text.slice(i + 1, i + 1 + hex);
        if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) throw new YamlError(`bad escape '\\${e}${digits}'`, no);
        out += String.fromCodePoint(parseInt(digits, 16));
        i += hex;
      } else if (e !== undefined && e in ESCAPES) out += ESCAPES[e];
      else throw new YamlError(`unknown escape '\\${e ?? ""}' in a double-quoted string`, no);
    }
  }
  throw new YamlError("unterminated quoted string", no);
}

/** `[a, "b", [c]]` and `{k: v}` on one line. */
class FlowParser {
  private i = 0;
  constructor(private readonly text: string, private readonly no: number) {}

  end(): void {
    this.space();
    if (this.i < this.text.length) throw new YamlError("unexpected text after a flow collection", this.no);
  }

  value(): JsonValue {
    this.space();
    const c = this.text[this.i];
    if (c === "[") return this.collection("]", () => this.value());
    if (c === "{") {
      const out: JsonObject = {};
      this.collection("}", () => {
        const key = this.value();
        if (typeof key !== "string") throw new YamlError("flow mapping keys must be strings", this.no);
        this.space();
        if (this.text[this.i] !== ":") throw new YamlError("expected ':' in a flow mapping", this.no);
        this.i++;
        setOwn(out, key, this.value());
        return null;
      });
      return out;
    }
    if (c === '"' || c === "'") {
      const [s, end] = readQuoted(this.text, this.i, this.no);
      this.i = end;
      return s;
    }
    const m = /^[^,\]}:]*/.exec(this.text.slice(this.i));
    const plain = (m ? m[0] : "").trim();
    this.i += m ? m[0].length : 0;
    if (plain === "") throw new YamlError("empty value in a flow collection", this.no);
    return scalar(plain, this.no);
  }

  private collection(close: string, item: () => JsonValue): JsonValue[] {
    const out: JsonValue[] = [];
    this.i++;
    this.space();
    if (this.text[this.i] === close) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(item());
      this.space();
      const c = this.text[this.i++];
      if (c === close) return out;
      if (c !== ",") throw new YamlError(`expected ',' or '${close}' in a flow collection`, this.no);
      this.space();
      if (this.text[this.i] === close) {
        this.i++;
        return out;
      }
    }
  }

  private space(): void {
    while (this.text[this.i] === " ") this.i++;
  }
}
