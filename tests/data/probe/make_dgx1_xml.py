#!/usr/bin/env python3
"""Writes dgx1-v100.xml: an hwloc 2.0 XML export of a DGX-1-class machine
shaped like the dgx1-v100 built-in template (see README.md):

- two packages, each one NUMA node of 256 GiB; 40 cores with two hardware
  threads each: package 0 has CPUs 0-19 and 40-59, package 1 20-39 and
  60-79 (Linux numbers the second threads after all first threads);
- per package two host bridges, each with one PCIe switch holding two
  V100 GPUs: 06/07 and 0a/0b on package 0, 85/86 and 89/8a on package 1.
  So: pairs on one switch PIX, pairs on one package NODE, else SYS.

Only the GPUs' PCI devices are there (no OS devices): the probe takes
everything else from the (fake) driver. Bridge bus numbers are not those
of a real machine; hwloc reads the tree as given.

    python3 make_dgx1_xml.py > dgx1-v100.xml
"""

GIB = 1 << 30


def bitmap(bits):
    """hwloc's text form: 32-bit words in hex, most significant first."""
    words = [0] * 3
    for b in bits:
        words[b // 32] |= 1 << (b % 32)
    while len(words) > 1 and words[-1] == 0:
        words.pop()
    return ",".join(f"0x{w:08x}" for w in reversed(words))


gp = [100]


def gp_index():
    gp[0] += 1
    return gp[0]


def pkg_cpus(p):
    first = list(range(20 * p, 20 * p + 20))
    return first + [c + 40 for c in first]


def sets(cpus, nodes):
    cs, ns = bitmap(cpus), bitmap(nodes)
    return (f'cpuset="{cs}" complete_cpuset="{cs}" nodeset="{ns}" '
            f'complete_nodeset="{ns}"')


def bridge(indent, kind, depth, rng, busid=None):
    busattr = f' pci_busid="{busid}"' if busid else ""
    pcitype = (' pci_type="0604 [10b5:8747] [10b5:8747] 00 00" '
               'pci_link_speed="15.753846"' if busid else "")
    return (f'{indent}<object type="Bridge" bridge_type="{kind}" '
            f'depth="{depth}" bridge_pci="0000:[{rng}]"{busattr}{pcitype} '
            f'gp_index="{gp_index()}">')


def gpu(indent, busid):
    return (f'{indent}<object type="PCIDev" pci_busid="{busid}" '
            f'pci_type="0302 [10de:1db5] [10de:1249] a1 00" '
            f'pci_link_speed="15.753846" gp_index="{gp_index()}"/>')


def host_bridge(out, ind, hb_range, root, root_range, up, up_range, downs):
    out.append(bridge(ind, "0-1", 0, hb_range))
    out.append(bridge(ind + "  ", "1-1", 1, root_range, root))
    out.append(bridge(ind + "    ", "1-1", 2, up_range, up))
    for dport, bus in downs:
        out.append(bridge(ind + "      ", "1-1", 3, f"{bus}-{bus}", dport))
        out.append(gpu(ind + "        ", f"0000:{bus}:00.0"))
        out.append(ind + "      </object>")
    out.append(ind + "    </object>")
    out.append(ind + "  </object>")
    out.append(ind + "</object>")


def main():
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<!DOCTYPE topology SYSTEM "hwloc2.dtd">',
           '<topology version="2.0">']
    out.append(f'  <object type="Machine" os_index="0" '
               f'{sets(range(80), [0, 1])} '
               f'allowed_cpuset="{bitmap(range(80))}" '
               f'allowed_nodeset="0x00000003" gp_index="1">')
    out.append('    <info name="DMIProductName" value="DGX-1 fixture"/>')
    bridges = {
        0: [("0000:[00-07]", "0000:00:01.0", "02-07", "0000:02:00.0",
             "03-07", [("0000:03:08.0", "06"), ("0000:03:10.0", "07")]),
            ("0000:[08-0f]", "0000:08:01.0", "09-0f", "0000:09:00.0",
             "0a-0f", [("0000:09:08.0", "0a"), ("0000:09:10.0", "0b")])],
        1: [("0000:[80-87]", "0000:80:01.0", "82-87", "0000:82:00.0",
             "83-87", [("0000:83:08.0", "85"), ("0000:83:10.0", "86")]),
            ("0000:[88-8f]", "0000:88:01.0", "88-8f", "0000:88:02.0",
             "89-8f", [("0000:88:08.0", "89"), ("0000:88:10.0", "8a")])],
    }
    for p in (0, 1):
        cpus = pkg_cpus(p)
        out.append(f'    <object type="Package" os_index="{p}" '
                   f'{sets(cpus, [p])} gp_index="{gp_index()}">')
        out.append(f'      <object type="NUMANode" os_index="{p}" '
                   f'{sets(cpus, [p])} local_memory="{256 * GIB}" '
                   f'gp_index="{gp_index()}"/>')
        for core in range(20 * p, 20 * p + 20):
            threads = [core, core + 40]
            out.append(f'      <object type="Core" os_index="{core}" '
                       f'{sets(threads, [p])} gp_index="{gp_index()}">')
            for t in threads:
                out.append(f'        <object type="PU" os_index="{t}" '
                           f'{sets([t], [p])} gp_index="{gp_index()}"/>')
            out.append('      </object>')
        for hb_range, root, root_range, up, up_range, downs in bridges[p]:
            host_bridge(out, "      ", hb_range[6:-1], root, root_range,
                        up, up_range, downs)
        out.append('    </object>')
    out.append('  </object>')
    out.append('</topology>')
    print("\n".join(out))


if __name__ == "__main__":
    main()
