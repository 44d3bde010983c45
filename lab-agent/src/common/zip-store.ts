import { crc32 } from "node:zlib";

/** One file of a zip archive: a plain relative name (no directories, no `..`) and its bytes. */
export interface ZipEntry {
  name: string;
  data: Buffer;
  modified: Date;
}

const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * A zip archive (PKWARE APPNOTE 6.3) of stored, uncompressed files: what every unzip and file
 * manager opens, written with no dependency. Names are plain ASCII file names (flat archive),
 * so no entry can escape the folder it is extracted into. Small archives only (no ZIP64: under
 * 4 GiB in all, under 65535 entries), which a workshop's scorecards are by far.
 */
export function zipStore(entries: readonly ZipEntry[]): Buffer {
  if (entries.length > 0xffff) throw new RangeError("a zip without ZIP64 holds at most 65535 entries");
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const e of entries) {
    if (!SAFE_NAME.test(e.name) || e.name.startsWith("."))
      throw new RangeError(`unsafe zip entry name ${e.name}`);
    if (seen.has(e.name)) throw new RangeError(`duplicate zip entry name ${e.name}`);
    seen.add(e.name);
    const name = Buffer.from(e.name, "ascii");
    const crc = crc32(e.data) >>> 0;
    const { time, date } = dosTime(e.modified);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100600 << 16) >>> 0, 38); // a regular file, rw for its owner only
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const directory = Buffer.concat(centrals);
  if (offset + directory.length > 0xffffffff) throw new RangeError("a zip without ZIP64 is under 4 GiB");
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** MS-DOS date and time (local fields, 2-second resolution, 1980-2107), in UTC here. */
function dosTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** Reads back a zipStore archive's entries (for tests and the e2e export): stored entries only. */
export function readZipStore(zip: Buffer): Array<{ name: string; data: Buffer; crcOk: boolean }> {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new RangeError("not a zip: no end of central directory");
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const out: Array<{ name: string; data: Buffer; crcOk: boolean }> = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new RangeError("not a zip: bad central directory entry");
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    if (method !== 0) throw new RangeError(`${name}: compressed entries are not read here`);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new RangeError(`${name}: bad local header`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    out.push({ name, data, crcOk: crc32(data) >>> 0 === crc });
    at += 46 + nameLength + extra + comment;
  }
  return out;
}
