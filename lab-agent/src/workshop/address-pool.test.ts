import { describe, expect, it } from "vitest";
import { DrydockError } from "../common/errors.ts";
import { labNetworkSpec } from "../lab/lab-lifecycle.ts";
import {
  AddressPool,
  DEFAULT_POOL,
  formatCidr,
  overlaps,
  parseIpv4Cidr,
  subnetsOfNetworks,
} from "./address-pool.ts";

const cidr = (s: string) => parseIpv4Cidr(s) ?? expect.fail(`${s} should parse`);

describe("IPv4 CIDRs", () => {
  it.each([
    ["10.213.0.0/16", "10.213.0.0/16"],
    ["10.213.7.9/24", "10.213.7.0/24"],
    ["172.17.0.0/16", "172.17.0.0/16"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["255.255.255.255/32", "255.255.255.255/32"],
  ])("%s is normalised to %s", (text, normal) => {
    expect(formatCidr(cidr(text))).toBe(normal);
  });

  it.each(["fd00::/64", "10.0.0/24", "10.0.0.256/24", "10.0.0.0/33", "10.0.0.0", ""])(
    "%s is not an IPv4 CIDR",
    (text) => {
      expect(parseIpv4Cidr(text)).toBeUndefined();
    },
  );

  it("overlap is containment either way or a shared range", () => {
    expect(overlaps(cidr("10.213.0.0/16"), cidr("10.213.5.0/24"))).toBe(true);
    expect(overlaps(cidr("10.213.5.0/24"), cidr("10.213.0.0/16"))).toBe(true);
    expect(overlaps(cidr("10.213.5.0/24"), cidr("10.213.6.0/24"))).toBe(false);
    expect(overlaps(cidr("10.213.4.0/23"), cidr("10.213.5.0/24"))).toBe(true);
    expect(overlaps(cidr("10.0.0.0/8"), cidr("11.0.0.0/8"))).toBe(false);
  });
});

describe("AddressPool", () => {
  it("splits the base into /24s and hands out the lowest free one, once per owner", () => {
    const pool = new AddressPool();
    expect(pool.capacity).toBe(256);
    expect(pool.allocate("ws-001")).toBe("10.213.0.0/24");
    expect(pool.allocate("ws-002")).toBe("10.213.1.0/24");
    expect(pool.allocate("ws-001")).toBe("10.213.0.0/24");
    expect(pool.allocations()).toEqual({ "ws-001": "10.213.0.0/24", "ws-002": "10.213.1.0/24" });
  });

  it("skips subnets the host's Docker networks already use, IPv6 ones ignored", () => {
    const pool = new AddressPool();
    const inUse = ["172.17.0.0/16", "10.213.0.0/24", "10.213.2.0/23", "fd00:dead::/64"];
    expect(pool.allocate("a", inUse)).toBe("10.213.1.0/24");
    expect(pool.allocate("b", inUse)).toBe("10.213.4.0/24");
    // A network that covers the whole base leaves nothing.
    expect(() => new AddressPool().allocate("c", ["10.0.0.0/8"])).toThrow(/No free lab network/);
  });

  it("reuses a released subnet and fails with workshop-full once the base is spent", () => {
    const pool = new AddressPool({ base: "192.168.100.0/24", subnetPrefix: 26 });
    expect(pool.capacity).toBe(4);
    const got = ["a", "b", "c", "d"].map((o) => pool.allocate(o));
    expect(got).toEqual([
      "192.168.100.0/26",
      "192.168.100.64/26",
      "192.168.100.128/26",
      "192.168.100.192/26",
    ]);
    let error: unknown;
    try {
      pool.allocate("e");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DrydockError);
    expect((error as DrydockError).code).toBe("workshop-full");
    expect((error as DrydockError).hint).toMatch(/docker network prune/);
    expect(pool.release("b")).toBe(true);
    expect(pool.release("nobody")).toBe(false);
    expect(pool.allocate("e")).toBe("192.168.100.64/26");
  });

  it("restores persisted allocations and refuses ones outside its base", () => {
    const pool = new AddressPool(DEFAULT_POOL, { "ws-001": "10.213.9.0/24" });
    expect(pool.allocate("ws-002")).toBe("10.213.0.0/24");
    expect(pool.allocate("ws-001")).toBe("10.213.9.0/24");
    expect(() => new AddressPool(DEFAULT_POOL, { x: "10.99.0.0/24" })).toThrow(
      /not a \/24 of 10.213.0.0\/16/,
    );
    expect(() => new AddressPool(DEFAULT_POOL, { x: "10.213.0.0/25" })).toThrow(/not a \/24/);
  });

  it("refuses a base smaller than one subnet, or not a CIDR", () => {
    expect(() => new AddressPool({ base: "10.0.0.0/28", subnetPrefix: 24 })).toThrow(/at least as large/);
    expect(() => new AddressPool({ base: "10.0.0.0", subnetPrefix: 24 })).toThrow(/IPv4 CIDR/);
  });

  it("reads subnets from the Engine's network list", () => {
    const networks = [
      { IPAM: { Config: [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }] } },
      { IPAM: { Config: [] } },
      { IPAM: { Config: null } },
      { IPAM: { Config: [{ Subnet: "172.18.0.0/16" }, { Subnet: "fd00::/64" }] } },
      {},
    ];
    expect(subnetsOfNetworks(networks)).toEqual(["172.17.0.0/16", "172.18.0.0/16", "fd00::/64"]);
  });
});

describe("the lab network's spec", () => {
  it("leaves addressing to Docker by default, as before", () => {
    const spec = labNetworkSpec("demo");
    expect(spec).toMatchObject({ Name: "drydock-demo", Driver: "bridge", CheckDuplicate: true });
    expect(spec.Labels).toMatchObject({ "io.drydock.lab": "demo", "io.drydock.managed": "true" });
    expect(spec).not.toHaveProperty("IPAM");
  });

  it("names the pool's subnet in its IPAM config when given one", () => {
    const spec = labNetworkSpec("ws-001", "10.213.3.0/24");
    expect(spec.IPAM).toEqual({ Driver: "default", Config: [{ Subnet: "10.213.3.0/24" }] });
  });
});
