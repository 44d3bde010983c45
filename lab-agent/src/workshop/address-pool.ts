import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";

/**
 * Drydock's own address pool for learners' lab networks. Docker's default pools
 * (172.17-31.0.0/16 and 192.168.0.0/16 in /20s) give a host about 30 bridge networks, fewer than
 * a room of learners; so each learner's lab network gets a subnet from one base range here, named
 * explicitly in its IPAM config. Subnets already used by any Docker network on the host (the caller
 * reads them from `docker network ls`/inspect) are skipped, so a lab never overlaps a network
 * Docker or another tool made.
 */

/** 10.213.0.0/16: outside Docker's default pools and rarely used by LANs or VPNs; 256 /24s. */
export const DEFAULT_POOL_BASE = "10.213.0.0/16";
/** A /24 per lab: 254 addresses for five nodes and a check's scratch containers, plenty. */
export const DEFAULT_SUBNET_PREFIX = 24;

interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  start: number;
  prefix: number;
}

const size = (prefix: number) => 2 ** (32 - prefix);

/** Parses an IPv4 CIDR; undefined for anything else (IPv6 subnets are simply not ours to avoid). */
export function parseIpv4Cidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  // Docker accepts 10.1.2.3/16 and means 10.1.0.0/16: normalise the same way.
  const start = address - (address % size(prefix));
  return { start, prefix };
}

export function formatCidr(c: Cidr): string {
  const o = [24, 16, 8, 0].map((shift) => Math.floor(c.start / 2 ** shift) % 256);
  return `${o.join(".")}/${c.prefix}`;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start < b.start + size(b.prefix) && b.start < a.start + size(a.prefix);
}

export const PoolConfig = z
  .object({
    base: z
      .string()
      .refine((s) => parseIpv4Cidr(s) !== undefined, "the pool base is an IPv4 CIDR such as 10.213.0.0/16"),
    subnetPrefix: z.number().int().min(16).max(29),
  })
  .strict()
  .refine((c) => (parseIpv4Cidr(c.base)?.prefix ?? 33) <= c.subnetPrefix, {
    message: "the pool base must be at least as large as one lab's subnet",
    path: ["subnetPrefix"],
  });
export type PoolConfig = z.infer<typeof PoolConfig>;

export const DEFAULT_POOL: PoolConfig = { base: DEFAULT_POOL_BASE, subnetPrefix: DEFAULT_SUBNET_PREFIX };

/** The IPv4 subnets of Docker networks as the Engine lists them (`IPAM.Config[].Subnet`). */
export function subnetsOfNetworks(
  networks: ReadonlyArray<{ IPAM?: { Config?: Array<{ Subnet?: string }> | null } | null }>,
): string[] {
  return networks.flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : [])));
}

export function poolExhausted(config: PoolConfig, total: number): DrydockError {
  return new DrydockError(
    ErrorCode.workshopFull,
    `No free lab network is left in ${config.base} (${total} subnets of /${config.subnetPrefix}, all taken).`,
    {
      hint: "Remove labs nobody uses (`drydock lab down --lab <id>`) or networks Docker no longer needs (`docker network prune`), or give the pool a larger base.",
    },
  );
}

/**
 * One subnet per owner (a learner's lab id), from the base split into /subnetPrefix blocks, lowest
 * free first. `allocations` is what the caller persisted (the roster keeps each learner's subnet),
 * so a restart hands everyone the same network again.
 */
export class AddressPool {
  readonly config: PoolConfig;
  private readonly base: Cidr;
  private readonly held = new Map<string, string>();

  constructor(config: PoolConfig = DEFAULT_POOL, allocations: Readonly<Record<string, string>> = {}) {
    this.config = PoolConfig.parse(config);
    this.base = parseIpv4Cidr(this.config.base) as Cidr;
    for (const [owner, subnet] of Object.entries(allocations)) {
      const c = parseIpv4Cidr(subnet);
      if (!c || c.prefix !== this.config.subnetPrefix || !overlaps(c, this.base)) {
        throw new DrydockError(
          ErrorCode.labState,
          `${owner}'s subnet ${subnet} is not a /${this.config.subnetPrefix} of ${this.config.base}.`,
          { hint: "The pool's base changed since it was handed out: end the event, or restore the base." },
        );
      }
      this.held.set(owner, formatCidr(c));
    }
  }

  /** How many lab subnets the base holds. */
  get capacity(): number {
    return size(this.base.prefix) / size(this.config.subnetPrefix);
  }

  /**
   * The owner's subnet: the one it already holds, or the lowest that neither another owner holds
   * nor overlaps `inUse` (the subnets of the host's existing Docker networks, IPv6 ones ignored).
   */
  allocate(owner: string, inUse: readonly string[] = []): string {
    const mine = this.held.get(owner);
    if (mine) return mine;
    const busy = [
      ...inUse.map(parseIpv4Cidr).filter((c): c is Cidr => c !== undefined),
      ...[...this.held.values()].map((s) => parseIpv4Cidr(s) as Cidr),
    ];
    const step = size(this.config.subnetPrefix);
    for (let i = 0; i < this.capacity; i++) {
      const candidate: Cidr = { start: this.base.start + i * step, prefix: this.config.subnetPrefix };
      if (busy.some((b) => overlaps(candidate, b))) continue;
      const subnet = formatCidr(candidate);
      this.held.set(owner, subnet);
      return subnet;
    }
    throw poolExhausted(this.config, this.capacity);
  }

  /** Gives the owner's subnet back (its network was removed); unknown owners are a no-op. */
  release(owner: string): boolean {
    return this.held.delete(owner);
  }

  allocations(): Record<string, string> {
    return Object.fromEntries(this.held);
  }
}
