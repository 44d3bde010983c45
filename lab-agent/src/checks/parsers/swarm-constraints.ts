import type { SwarmNode } from "../collectors/collect-swarm.ts";

/**
 * Placement constraints as swarmkit reads them (manager/constraint/constraint.go): `key==value`
 * or `key!=value`, spaces around either side ignored; keys `node.id`, `node.hostname`, `node.role`,
 * `node.ip`, `node.platform.os|arch`, `node.labels.<label>`, `engine.labels.<label>` (the prefix is
 * case-insensitive, the label name is not); values compare case-insensitively; a missing label is "".
 */
export interface Constraint {
  key: string;
  op: "==" | "!=";
  value: string;
}

export function parsePlacementConstraint(text: string): Constraint | undefined {
  const eq = text.indexOf("==");
  const ne = text.indexOf("!=");
  const at = eq >= 0 && (ne < 0 || eq < ne) ? eq : ne;
  if (at < 0) return undefined;
  const key = text.slice(0, at).trim();
  const value = text.slice(at + 2).trim();
  if (!/^[a-z_][a-z0-9\-_.]+$/i.test(key) || value === "" || /[=!<>~]/.test(value)) return undefined;
  return { key: canonicalKey(key), op: at === eq ? "==" : "!=", value };
}

function canonicalKey(key: string): string {
  for (const prefix of ["node.labels.", "engine.labels."])
    if (key.toLowerCase().startsWith(prefix)) return prefix + key.slice(prefix.length);
  return key.toLowerCase();
}

/** The value a node has for a constraint key ("" for a missing label), undefined for an unknown key. */
export function nodeValue(node: SwarmNode, key: string): string | undefined {
  if (key.startsWith("node.labels.")) return node.Spec?.Labels?.[key.slice("node.labels.".length)] ?? "";
  if (key.startsWith("engine.labels."))
    return node.Description?.Engine?.Labels?.[key.slice("engine.labels.".length)] ?? "";
  switch (key) {
    case "node.id":
      return node.ID;
    case "node.hostname":
      return node.Description?.Hostname ?? "";
    case "node.role":
      return node.Spec?.Role ?? "";
    case "node.ip":
      return node.Status?.Addr ?? "";
    case "node.platform.os":
      return node.Description?.Platform?.OS ?? "";
    case "node.platform.arch":
      return node.Description?.Platform?.Architecture ?? "";
    default:
      return undefined;
  }
}

export function nodeMeets(node: SwarmNode, c: Constraint): boolean {
  const actual = nodeValue(node, c.key);
  if (actual === undefined) return false;
  const match = actual.toLowerCase() === c.value.toLowerCase();
  return c.op === "==" ? match : !match;
}

/**
 * Whether a set of constraints guarantees `wanted` on any node, now or joined later: an equality
 * on the same key and value, or for `!=`, the same `!=` or an equality on another value. A
 * constraint that happens to pick the same nodes today (a hostname, a role) does not.
 */
export function implies(have: readonly Constraint[], wanted: Constraint): boolean {
  const same = (c: Constraint) => c.key === wanted.key;
  const eqv = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (wanted.op === "==") return have.some((c) => same(c) && c.op === "==" && eqv(c.value, wanted.value));
  return have.some(
    (c) =>
      same(c) &&
      ((c.op === "!=" && eqv(c.value, wanted.value)) || (c.op === "==" && !eqv(c.value, wanted.value))),
  );
}

export const showConstraint = (c: Constraint) => `${c.key} ${c.op} ${c.value}`;
